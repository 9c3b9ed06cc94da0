/// A gmemd started by the first test that asks and shared by all tests that need the same flags;
/// killed when the test process exits (see `Leftovers`).
package actor SharedGmemd {
    private let flags: [String]
    private var instance: Task<Gmemd, any Error>?

    package init(flags: [String] = []) { self.flags = flags }

    package func running() async throws -> Gmemd {
        if let instance { return try await instance.value }
        let starting = Task { [flags] in try await Gmemd.start(flags) }
        instance = starting
        return try await starting.value
    }
}

extension Gmemd {
    /// The instance with default flags, for every test that does not need special ones.
    package static let shared = SharedGmemd()

    /// A throw-away instance with `flags` (run by `launcher`, if any), stopped after `body`
    /// whatever it throws.
    package static func withInstance<T>(
        _ flags: [String], launcher: [String] = [], _ body: (Gmemd) async throws -> T
    ) async throws -> T {
        let gmemd = try await Gmemd.start(flags, launcher: launcher)
        do {
            let result = try await body(gmemd)
            try await gmemd.stop()
            return result
        } catch {
            try? await gmemd.stop()
            throw error
        }
    }
}
