import GuestMem

/// The startup log's account of what this gmemd serves and what it does not, and why: one line
/// for what is served, one per reason something is not (a missing KVM takes its flags with it).
struct ServedReport {
    let lines: [String]

    init(_ features: ServedFeatures) {
        let served = Feature.allCases.filter { features.absence(of: $0) == nil }
        var lines = ["serving: " + (served.isEmpty ? "nothing" : served.map(\.name).joined(separator: ", "))]
        var unserved: [(absence: ServedFeatures.Absence, names: [String])] = []
        for feature in Feature.allCases {
            guard let absence = features.absence(of: feature) else { continue }
            if let same = unserved.firstIndex(where: { $0.absence == absence }) {
                unserved[same].names.append(feature.name)
            } else {
                unserved.append((absence, [feature.name]))
            }
        }
        for (absence, names) in unserved {
            lines.append(
                "not serving \(names.joined(separator: ", ")) (422 \(absence.errno.symbol)): \(absence.reason)"
            )
        }
        self.lines = lines
    }
}
