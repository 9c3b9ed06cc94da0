import Glibc
import Locking

/// File descriptors passed over a Unix-domain socket as SCM_RIGHTS: those a request brought, or
/// those a response hands out. It owns them: each is closed exactly once, by whoever takes it, or
/// by this object when the last reference to it goes. So a request whose handler takes none, a
/// response that never goes out, or a connection that closes mid-send leaks nothing.
package final class PassedDescriptors: Sendable {
    /// The most descriptors one request may bring; more are closed unread (README, openapi.yaml).
    package static let maxPerRequest = 4

    private let fds: PthreadMutex<[Int32]>

    /// Takes ownership of `fds`.
    package init(_ fds: [Int32]) { self.fds = PthreadMutex(fds) }

    /// How many are still held.
    package var count: Int { fds.withLock { $0.count } }

    /// Hands every held descriptor to the caller, who closes them from then on.
    package func take() -> [Int32] {
        fds.withLock { fds in
            defer { fds = [] }
            return fds
        }
    }

    /// The held descriptors, still held: for a send that may have to be tried again.
    var held: [Int32] { fds.withLock { $0 } }

    /// Closes every held descriptor now.
    package func close() {
        // Linux has closed the fd even when close(2) reports EINTR or EIO.
        for fd in take() { _ = Glibc.close(fd) }
    }

    deinit { close() }
}
