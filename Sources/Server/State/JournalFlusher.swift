import Foundation
import Posix

#if canImport(Glibc)
    import Glibc
#endif

/// Makes the file journal's appended lines durable (fdatasync) on a thread of its own, many at a
/// time (group commit): a change's line is appended before its domain call returns (a process
/// crash can no longer lose it: the page cache outlives gmemd), and its answer is held by
/// `afterFlush` until a flush has covered it (so the machine's crash cannot either). The answer's
/// worker does not wait for the flush: it takes its next job, so every change in flight, however
/// few workers there are, shares the next fdatasync.
///
/// Locking: `condition` guards the counters, the held answers and the descriptor; the flush and
/// the answers run outside it.
final class JournalFlusher: @unchecked Sendable {
    typealias Answer = @Sendable () -> Void

    private let condition = NSCondition()
    /// Lines appended, and how many of them a flush has covered.
    private var appended: UInt64 = 0
    private var flushed: UInt64 = 0
    /// Answers waiting for a flush, each with the lines it must see covered, in that order (the
    /// count only grows).
    private var held: [(lines: UInt64, answer: Answer)] = []
    /// The descriptor to flush: a duplicate of the journal's, replaced when it is compacted.
    private var descriptor: Int32
    /// Makes a descriptor's file durable: fdatasync(2) in gmemd; a test's gate holds it.
    private let flush: @Sendable (Int32) -> Int32

    init(descriptor: Int32, flush: @escaping @Sendable (Int32) -> Int32 = { fdatasync($0) }) {
        (self.descriptor, self.flush) = (descriptor, flush)
        Thread.detachNewThread { [self] in run() }
    }

    /// One more line was appended to `descriptor`'s file. Called with the journal's own lock held.
    func didAppend() {
        condition.withLock {
            appended += 1
            condition.signal()
        }
    }

    /// The journal was rewritten whole and flushed, to a new descriptor: every line so far is
    /// durable. Called with the journal's own lock held.
    func didCompact(to fd: Int32) {
        let (old, due) = condition.withLock {
            let old = descriptor
            descriptor = fd
            flushed = appended
            return (old, takeDue())
        }
        _ = close(old)
        for answer in due { answer() }
    }

    /// Calls `answer` once every line appended before this call is durable: at once, on this
    /// thread, when they are; otherwise on the flusher's thread, right after the flush that
    /// covers them. Never blocks.
    func afterFlush(_ answer: @escaping Answer) {
        let isDurable = condition.withLock {
            guard flushed < appended else { return true }
            held.append((appended, answer))
            return false
        }
        if isDurable { answer() }
    }

    /// The held answers whose lines are flushed, taken out. Called with `condition` locked.
    private func takeDue() -> [Answer] {
        let count = held.prefix { $0.lines <= flushed }.count
        defer { held.removeFirst(count) }
        return held.prefix(count).map(\.answer)
    }

    private func run() {
        while true {
            let (target, fd) = condition.withLock {
                while flushed >= appended { condition.wait() }
                return (appended, dup(descriptor))
            }
            if flush(fd) != 0 {
                Log.warning(
                    "journal: fdatasync failed (\(String(cString: strerror(errno)))): changes may not outlive a crash of the machine"
                )
            }
            _ = close(fd)
            let due = condition.withLock {
                flushed = max(flushed, target)
                return takeDue()
            }
            for answer in due { answer() }
        }
    }
}
