import Foundation
import Posix

#if canImport(Glibc)
    import Glibc
#endif

/// Makes the file journal's appended lines durable (fdatasync) on a thread of its own, many at a
/// time (group commit): a change's line is appended before its domain call returns (a process
/// crash can no longer lose it: the page cache outlives gmemd), and its answer waits in
/// `waitUntilFlushed()` until a flush has covered it (so the machine's crash cannot either).
/// Requests changing files at once share one fdatasync instead of queueing for one each.
///
/// Locking: `condition` guards the counters and the descriptor; the flush runs outside it, and
/// waiters are woken together (broadcast) when it ends.
final class JournalFlusher: @unchecked Sendable {
    private let condition = NSCondition()
    /// Lines appended, and how many of them a flush has covered.
    private var appended: UInt64 = 0
    private var flushed: UInt64 = 0
    /// The descriptor to flush: a duplicate of the journal's, replaced when it is compacted.
    private var descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
        Thread.detachNewThread { [self] in run() }
    }

    /// One more line was appended to `descriptor`'s file. Called with the journal's own lock held.
    func didAppend() {
        condition.withLock {
            appended += 1
            condition.broadcast()
        }
    }

    /// The journal was rewritten whole and flushed, to a new descriptor: every line so far is
    /// durable. Called with the journal's own lock held.
    func didCompact(to fd: Int32) {
        let old = condition.withLock {
            let old = descriptor
            descriptor = fd
            flushed = appended
            condition.broadcast()
            return old
        }
        _ = close(old)
    }

    /// Returns once every line appended before the call is durable: blocks the calling thread,
    /// a worker's (Endpoint.onWorker), never a loop's.
    func waitUntilFlushed() {
        condition.withLock {
            let target = appended
            while flushed < target { condition.wait() }
        }
    }

    private func run() {
        while true {
            let (target, fd) = condition.withLock {
                while flushed >= appended { condition.wait() }
                return (appended, dup(descriptor))
            }
            if fdatasync(fd) != 0 {
                Log.warning(
                    "journal: fdatasync failed (\(String(cString: strerror(errno)))): changes may not outlive a crash of the machine"
                )
            }
            _ = close(fd)
            condition.withLock {
                flushed = max(flushed, target)
                condition.broadcast()
            }
        }
    }
}
