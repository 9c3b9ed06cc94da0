import GuestMem

/// Seal names on the wire (design.md §2), in the order gmemd lists them; the names themselves
/// are `SealSet.Seal.name`.
enum SealNames {
    static func names(_ seals: SealSet) -> [String] { seals.seals.map(\.name) }

    /// The set named by `names`; an unknown name is 422 and names it.
    static func set(_ names: [String]) throws(Problem) -> SealSet {
        var seals: SealSet = []
        for name in names {
            guard let seal = SealSet.Seal.allCases.first(where: { $0.name == name }) else {
                let known = SealSet.Seal.allCases.map(\.name).joined(separator: ", ")
                throw .unprocessable("unknown seal '\(name)'; known: \(known)")
            }
            seals.insert(seal.set)
        }
        return seals
    }
}
