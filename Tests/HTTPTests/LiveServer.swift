import Foundation
import HTTP
import Synchronization

/// An `HTTPServer` on a free port, run on a thread of its own as gmemd runs it.
final class LiveServer: Sendable {
    let server: HTTPServer
    let port: Int
    private let done = Mutex<(finished: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    init(_ router: Router, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.threads = 2
        configure(&configuration)
        server = try HTTPServer(configuration: configuration, router: router)
        port = server.boundPort
        let thread = Thread { [self] in
            server.run()
            let waiter = done.withLock { state in
                state.finished = true
                return state.waiter
            }
            waiter?.resume()
        }
        thread.start()
    }

    /// Asks for shutdown and waits until `run()` has returned.
    func stop() async {
        server.shutdown()
        await waitUntilStopped()
    }

    func waitUntilStopped() async {
        await withCheckedContinuation { continuation in
            let finished = done.withLock { state in
                if !state.finished { state.waiter = continuation }
                return state.finished
            }
            if finished { continuation.resume() }
        }
    }

    func client() throws -> TestClient { try TestClient(port: port) }
}

/// Something a test opens once; async waiters resume then (an offLoop handler held open).
final class Gate: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
