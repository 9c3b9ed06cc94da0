import Glibc
import Locking

/// Threads gmemd owns for blocking work: long kernel calls (fallocate of a GiB takes ~230 ms),
/// large content I/O, decoding large JSON and inflating gzip bodies. Never the event loops,
/// and never Swift's cooperative pool, whose one thread per core two blocked calls would take
/// from every Task on a 2-core host. Jobs are shared among their owners by a `FairQueue`.
///
/// Locking: `state` (the queue, the threads) is held only for queue bookkeeping, never while a
/// job runs. `wakeup` counts the times a job may have become startable: a worker waits on it,
/// then looks under the lock, so a job queued while every worker is busy is never missed.
package final class WorkerPool: Sendable {
    package typealias Job = @Sendable () -> Void

    /// Worker threads.
    package let threadCount: Int
    /// Most jobs of one owner waiting; one more is refused.
    package let queueDepth: Int
    /// How much lower than the event loops the workers run (a nice increment).
    private let niceness: Int32
    private let state: PthreadMutex<State>
    private let wakeup = Semaphore()

    private struct State: ~Copyable {
        var queue: FairQueue<Job>
        var threads: [LoopThread] = []
        var isStopped = false
    }

    /// A pool of `threads` workers (not started yet), `share` jobs of one owner running at most
    /// at once and `depth` more of its jobs waiting, each worker `niceness` below the loops.
    package init(threads: Int, share: Int, depth: Int, niceness: Int32 = 0) {
        precondition(threads > 0, "at least one worker thread")
        (threadCount, queueDepth, self.niceness) = (threads, depth, niceness)
        state = PthreadMutex(State(queue: FairQueue(share: min(share, threads), depth: depth)))
    }

    /// Starts the threads. The corresponding C call is `pthread_create`.
    package func start() {
        state.withLock { state in
            guard state.threads.isEmpty, !state.isStopped else { return }
            state.threads = (0..<threadCount).map { _ in LoopThread.start { [self] in work() } }
        }
    }

    /// Queues `job` for `owner`. False when that owner already has its queue full and
    /// `isBounded`: the job will never run, and the caller answers for it (503). Jobs given after
    /// `stop()` never run either.
    package func submit(owner: String, isBounded: Bool = true, _ job: @escaping Job) -> Bool {
        let queued = state.withLock { state in
            guard !state.isStopped else { return false }
            return state.queue.enqueue(job, owner: owner, isBounded: isBounded)
        }
        if queued { wakeup.signal() }
        return queued
    }

    /// Lets running jobs finish, drops those still waiting (none of them has started, so none
    /// changed anything) and joins the threads.
    package func stop() {
        let threads = state.withLock { state in
            state.isStopped = true
            _ = state.queue.removeWaiting()
            defer { state.threads = [] }
            return state.threads
        }
        for _ in threads { wakeup.signal() }
        for thread in threads { thread.join() }
    }

    /// What the pool is doing now, and what it refused since the start.
    package var statistics: WorkerStatistics {
        state.withLock { state in
            WorkerStatistics(
                threads: threadCount, share: state.queue.share, depth: state.queue.depth,
                running: state.queue.running, waiting: state.queue.waiting,
                waitingByOwner: state.queue.waitingByOwner, started: state.queue.started,
                refused: state.queue.refused)
        }
    }

    private enum Turn {
        case run(owner: String, Job)
        case idle
        case stop
    }

    /// One worker thread's life: take the job whose turn it is, run it, tell the queue.
    private func work() {
        lowerPriority()
        while true {
            wakeup.wait()
            let turn = state.withLock { state -> Turn in
                if state.isStopped { return .stop }
                return state.queue.next().map { .run(owner: $0.owner, $0.job) } ?? .idle
            }
            switch turn {
            case .stop: return
            case .idle: continue
            case .run(let owner, let job):
                job()
                // The owner may have been at its share with jobs waiting: one of them may start.
                let hasWaiting = state.withLock { state in
                    state.queue.finish(owner: owner)
                    return state.queue.waiting > 0
                }
                if hasWaiting { wakeup.signal() }
            }
        }
    }
}

extension WorkerPool {
    /// Lowers this thread's scheduling priority by `niceness`: a job zeroing a GiB of pages in
    /// the kernel then yields the core to a loop that wakes for a read. Linux keeps a nice value
    /// per thread, and `PRIO_PROCESS` with id 0 names the calling thread (setpriority(2), BUGS).
    /// A refusal leaves the thread as it was: it only costs latency.
    /// The corresponding C calls are `getpriority` and `setpriority`.
    fileprivate func lowerPriority() {
        guard niceness > 0 else { return }
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let current = getpriority(which, 0)
        guard errno == 0 else { return }
        _ = setpriority(which, 0, min(19, current + niceness))
    }
}

/// A snapshot of a `WorkerPool`, for metrics.
package struct WorkerStatistics: Sendable, Equatable {
    package var threads: Int
    /// Most jobs of one owner running at once, and waiting.
    package var share: Int
    package var depth: Int
    package var running: Int
    package var waiting: Int
    /// Waiting jobs per owner that has any.
    package var waitingByOwner: [String: Int]
    /// Jobs handed to a worker, and jobs refused because their owner's queue was full, since start.
    package var started: Int
    package var refused: Int
}
