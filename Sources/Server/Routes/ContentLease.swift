import GuestMem
import Locking

/// Holds a file's content fd for one response until the HTTP server is done with it.
/// `handle` is taken exactly once, by `release`, which the server calls when the body has
/// been sent, has failed, or was never needed (HEAD, an error).
final class ContentLease: Sendable {
    let fd: Int32
    let size: Int64
    private let handle: PthreadMutex<ContentHandle?>

    init(_ handle: consuming ContentHandle) {
        fd = handle.fd.rawValue
        size = handle.size
        self.handle = PthreadMutex(handle)
    }

    /// Closes the fd (through the handle's deinit). A second call does nothing.
    @Sendable func release() {
        handle.withLock { $0 = nil }
    }
}
