import Foundation

/// The same reads, each on a thread of its own. A test whose server runs in the test process
/// (HTTPTests) must not block a cooperative-pool thread on its socket: the pool has one thread
/// per core, two here, and the server's own tasks (off-loop handlers, stream producers) need them.
extension RawConnection {
    package func reply(toHEAD: Bool = false, keepingInterim: Bool = false) async throws -> HTTPReply {
        try await offThePool { try self.readReply(toHEAD: toHEAD, keepingInterim: keepingInterim) }
    }

    /// What the server sends until it closes; throws `timedOut` if it does not close.
    package func closing() async throws -> [UInt8] {
        try await offThePool { try self.readUntilClosed() }
    }

    package func someBytes() async throws -> [UInt8] {
        try await offThePool { try self.readSome() }
    }
}

/// Runs `body` on a new thread and resumes with its result.
package func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
