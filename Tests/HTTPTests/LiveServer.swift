import Foundation
import HTTP
import TestSupport

/// An `HTTPServer` on a free port, run on a thread of its own as gmemd runs it.
final class LiveServer: Sendable {
    let server: HTTPServer
    let port: Int
    private let stopped = Gate()

    init(_ router: Router, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.threads = 2
        configure(&configuration)
        server = try HTTPServer(configuration: configuration, router: router)
        port = server.boundPort
        let thread = Thread { [self] in
            server.run()
            stopped.open()
        }
        thread.start()
    }

    /// Asks for shutdown and waits until `run()` has returned.
    func stop() async throws {
        server.shutdown()
        try await waitUntilStopped()
    }

    /// Waits until `run()` has returned; throws `timedOut` if it has not within `limit`.
    func waitUntilStopped(within limit: Duration = shutdownLimit) async throws {
        try await stopped.opened(within: limit, "run() to return after shutdown")
    }

    /// Reads and shutdowns get 30 s, not less: the server's tasks share the test process's
    /// cooperative pool with every other suite, and the end-to-end suites hold its threads in
    /// blocking reads of their own for seconds at a time.
    static let readTimeout = Duration.seconds(30)
    static let shutdownLimit = Duration.seconds(30)

    func client() throws -> RawConnection { try RawConnection(port: port, readTimeout: Self.readTimeout) }
}
