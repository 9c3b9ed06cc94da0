import HTTP
import Locking
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
/// Locking: `state` guards the counters, the held answers and the descriptor; the flush and the
/// answers run outside it. The flusher sleeps on `wakeup` only after saying so in `state`, so an
/// append is never missed.
final class JournalFlusher: Sendable {
    typealias Answer = @Sendable () -> Void

    private struct State {
        /// Lines appended, and how many of them a flush has covered.
        var appended: UInt64 = 0
        var flushed: UInt64 = 0
        /// Answers waiting for a flush, each with the lines it must see covered, in that order
        /// (the count only grows).
        var held: [(lines: UInt64, answer: Answer)] = []
        /// The descriptor to flush: a duplicate of the journal's, replaced when it is compacted.
        var descriptor: Int32
        /// The flusher waits on `wakeup` for the next append.
        var isIdle = false

        /// The held answers whose lines are flushed, taken out.
        mutating func takeDue() -> [Answer] {
            let count = held.prefix { $0.lines <= flushed }.count
            defer { held.removeFirst(count) }
            return held.prefix(count).map(\.answer)
        }
    }

    private let state: PthreadMutex<State>
    private let wakeup = Semaphore()
    /// Makes a descriptor's file durable: fdatasync(2) in gmemd; a test's gate holds it.
    private let flush: @Sendable (Int32) -> Int32

    init(descriptor: Int32, flush: @escaping @Sendable (Int32) -> Int32 = { fdatasync($0) }) {
        state = PthreadMutex(State(descriptor: descriptor))
        self.flush = flush
        LoopThread.detach { [self] in run() }
    }

    /// One more line was appended to `descriptor`'s file. Called with the journal's own lock held.
    func didAppend() {
        let wasIdle = state.withLock { state in
            state.appended += 1
            defer { state.isIdle = false }
            return state.isIdle
        }
        if wasIdle { wakeup.signal() }
    }

    /// The journal was rewritten whole and flushed, to a new descriptor: every line so far is
    /// durable. Called with the journal's own lock held.
    func didCompact(to fd: Int32) {
        let (old, due) = state.withLock { state in
            let old = state.descriptor
            state.descriptor = fd
            state.flushed = state.appended
            return (old, state.takeDue())
        }
        _ = close(old)
        for answer in due { answer() }
    }

    /// Calls `answer` once every line appended before this call is durable: at once, on this
    /// thread, when they are; otherwise on the flusher's thread, right after the flush that
    /// covers them. Never blocks.
    func afterFlush(_ answer: @escaping Answer) {
        let isDurable = state.withLock { state in
            guard state.flushed < state.appended else { return true }
            state.held.append((state.appended, answer))
            return false
        }
        if isDurable { answer() }
    }

    private func run() {
        while true {
            let work = state.withLock { state -> (target: UInt64, fd: Int32)? in
                guard state.flushed < state.appended else {
                    state.isIdle = true
                    return nil
                }
                return (state.appended, dup(state.descriptor))
            }
            guard let (target, fd) = work else {
                wakeup.wait()
                continue
            }
            if flush(fd) != 0 {
                Log.warning(
                    "journal: fdatasync failed (\(String(cString: strerror(errno)))): changes may not outlive a crash of the machine"
                )
            }
            _ = close(fd)
            let due = state.withLock { state in
                state.flushed = max(state.flushed, target)
                return state.takeDue()
            }
            for answer in due { answer() }
        }
    }
}
