import CSocket
import Glibc
import Posix
import SystemPackage

/// A non-blocking eventfd: another thread's way to wake a loop out of epoll_wait.
/// Not copyable: its inbox owns it and closes it once.
struct EventFD: ~Copyable, Sendable {
    let fd: Int32

    /// The corresponding C call is `eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)`.
    init() throws(Errno) {
        fd = try syscall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    /// Adds one to the counter, making the fd readable. The corresponding C call is `write`.
    func signal() {
        var one: UInt64 = 1
        // EAGAIN only if the counter is at 2^64-2: it is then readable anyway.
        _ = try? syscall("write") { Glibc.write(fd, &one, 8) }
    }

    /// Resets the counter. The corresponding C call is `read`.
    func drain() {
        var value: UInt64 = 0
        // EAGAIN means nothing was pending: fine.
        _ = try? syscall("read") { Glibc.read(fd, &value, 8) }
    }

    deinit { _ = Glibc.close(fd) }
}
