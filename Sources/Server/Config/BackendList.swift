import ArgumentParser
import GuestMem

/// `--backends`: the file backends the operator lets this gmemd serve, comma-separated
/// (`memfd,guest_memfd`, the default). A backend left out is refused with 422 and shown in
/// /v1/health as turned off by the operator; one the host lacks stays refused either way.
struct BackendList: ExpressibleByArgument, Sendable {
    let backends: Set<Backend>

    static let all = BackendList(backends: Set(Backend.all))

    private init(backends: Set<Backend>) { self.backends = backends }

    init?(argument: String) {
        var backends = Set<Backend>()
        for name in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let backend = Backend(wireName: String(name)) else { return nil }
            backends.insert(backend)
        }
        self.backends = backends
    }

    /// The backends the operator turned off.
    var disabled: Set<Backend> { Set(Backend.all).subtracting(backends) }

    var defaultValueDescription: String { Backend.all.map(\.wireName).joined(separator: ",") }
    static var allValueStrings: [String] { Backend.all.map(\.wireName) }
}
