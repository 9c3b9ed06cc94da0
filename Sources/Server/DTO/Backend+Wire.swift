import GuestMem

extension Backend {
    /// Every backend, in the order `--backends` and `/v1/health` list them.
    static let all: [Backend] = [.memfd, .guestMemfd]

    /// The name JSON bodies and `--backends` give it.
    var wireName: String {
        switch self {
        case .memfd: "memfd"
        case .guestMemfd: "guest_memfd"
        }
    }

    init?(wireName: String) {
        guard let backend = Self.all.first(where: { $0.wireName == wireName }) else { return nil }
        self = backend
    }
}
