import CSocket
import Glibc
import Posix
import SystemPackage

/// One epoll instance, owned by one event loop.
///
/// Level-triggered on purpose: a readable connection is read once per wakeup and parsed,
/// without the extra read that edge-triggering needs to prove EAGAIN (one syscall per request
/// saved on the keep-alive fast path). What level-triggering costs, a fd that stays ready while
/// we do not want it, is paid only off the fast path: a connection that waits for a handler or
/// a draining write changes its interest (`modify`), which is rare.
struct Epoll: ~Copyable {
    /// Interest bits, as epoll spells them.
    struct Events: OptionSet {
        let rawValue: UInt32
        static let readable = Events(rawValue: EPOLLIN.rawValue)
        static let writable = Events(rawValue: EPOLLOUT.rawValue)
        static let error = Events(rawValue: EPOLLERR.rawValue)
        static let hangup = Events(rawValue: EPOLLHUP.rawValue)
        /// Wakes one waiting loop per new connection instead of all of them.
        static let exclusive = Events(rawValue: EPOLLEXCLUSIVE.rawValue)
    }

    private let fd: Int32

    /// The corresponding C call is `epoll_create1(EPOLL_CLOEXEC)`.
    init() throws(Errno) {
        fd = try syscall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
    }

    /// Starts watching `target`; `tag` comes back with each of its events.
    /// The corresponding C call is `epoll_ctl(EPOLL_CTL_ADD)`.
    func add(_ target: Int32, _ events: Events, tag: UInt64) throws(Errno) {
        try control(EPOLL_CTL_ADD, target, events, tag)
    }

    /// The corresponding C call is `epoll_ctl(EPOLL_CTL_MOD)`.
    func modify(_ target: Int32, _ events: Events, tag: UInt64) throws(Errno) {
        try control(EPOLL_CTL_MOD, target, events, tag)
    }

    /// The corresponding C call is `epoll_ctl(EPOLL_CTL_DEL)`.
    func remove(_ target: Int32) throws(Errno) {
        try control(EPOLL_CTL_DEL, target, [], 0)
    }

    /// Waits up to `milliseconds` (-1: forever) and fills `events`; returns how many.
    /// The corresponding C call is `epoll_wait`; EINTR (a signal) counts as zero events.
    func wait(into events: UnsafeMutableBufferPointer<epoll_event>, milliseconds: Int32) -> Int {
        let count = epoll_wait(fd, events.baseAddress, Int32(events.count), milliseconds)
        // -1 can only be EINTR here: the fd and buffer are ours and valid.
        return max(0, Int(count))
    }

    private func control(_ operation: Int32, _ target: Int32, _ events: Events, _ tag: UInt64) throws(Errno) {
        var event = epoll_event()
        event.events = events.rawValue
        event.data.u64 = tag
        _ = try syscall("epoll_ctl") { epoll_ctl(fd, operation, target, &event) }
    }

    deinit { _ = Glibc.close(fd) }
}
