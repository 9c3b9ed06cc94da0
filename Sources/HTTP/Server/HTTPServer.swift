import Glibc
import Locking
import Synchronization
package import SystemPackage

/// The HTTP/1.1 server: its listening sockets (TCP, or HTTPS with a TLS context, and a Unix
/// socket) shared by `threads` event loops.
///
/// ```
/// let server = try HTTPServer(configuration: configuration, router: router)
/// // from a signal handler's dispatch source: server.shutdown()
/// server.run()   // returns once shutdown has completed
/// ```
package final class HTTPServer: Sendable {
    private let listeners: [ListeningSocket]
    private let loops: [EventLoop]
    private let budget: ConnectionBudget
    private let bodyBudget: BodyBudget
    /// The threads blocking work runs on, shared by every loop.
    private let workers: WorkerPool
    private let phase = PthreadMutex(Phase.ready)
    private let isHandingOver = Atomic(false)
    private let lastProbe = Atomic<UInt64>(0)

    private enum Phase {
        case ready, running, stopped
    }

    /// Binds and listens, so that EADDRINUSE and the like surface here, and builds the loops.
    /// Also sets SIGPIPE to be ignored, once for the process: a client that leaves must be
    /// an EPIPE on one connection, not the end of the daemon. No listener at all is EINVAL.
    package init(configuration: ServerConfiguration, router: Router) throws(Errno) {
        signal(SIGPIPE, SIG_IGN)
        let listeners = try Self.listeners(configuration)
        self.listeners = listeners
        let budget = ConnectionBudget(
            limit: configuration.maxConnections, reserve: configuration.reservedConnections,
            onExhausted: configuration.exhaustionObserver)
        self.budget = budget
        let bodyBudget = BodyBudget(
            limit: configuration.bodyMemoryBytes, onExhausted: configuration.exhaustionObserver)
        self.bodyBudget = bodyBudget
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let count = configuration.threads > 0 ? configuration.threads : cores
        let plan = configuration.workerPlan(cores: cores)
        let workers = WorkerPool(
            threads: plan.threads, share: plan.share, depth: configuration.workerQueueDepth,
            niceness: configuration.workerNiceness)
        self.workers = workers
        var loops: [EventLoop] = []
        for _ in 0..<count {
            loops.append(
                try EventLoop(
                    configuration: configuration, router: router, listeners: listeners, budget: budget,
                    bodyBudget: bodyBudget, workers: workers))
        }
        self.loops = loops
        boundPort = configuration.servesTCP ? listeners[0].port : 0
    }

    /// The configured listeners: inherited ones where they were passed in, else bound now.
    private static func listeners(_ configuration: ServerConfiguration) throws(Errno) -> [ListeningSocket] {
        var inherited = InheritedListeners(configuration.inheritedListeners)
        defer { inherited.closeRest() }
        var listeners: [ListeningSocket] = []
        // `if let … else`, not `??`: its rethrowing autoclosure lost the typed Errno (measured:
        // "Unknown error -191007568" instead of EEXIST).
        if configuration.servesTCP {
            if let adopted = try inherited.takeTCP(tls: configuration.tls) {
                listeners.append(adopted)
            } else {
                listeners.append(
                    try ListeningSocket(
                        .tcp(host: configuration.host, port: configuration.port), tls: configuration.tls))
            }
        }
        if let unix = configuration.unixSocket {
            if let adopted = try inherited.takeUnix(path: unix.path) {
                listeners.append(adopted)
            } else {
                listeners.append(try ListeningSocket(.unix(path: unix.path, mode: unix.mode)))
            }
        }
        guard !listeners.isEmpty else { throw .invalidArgument }
        return listeners
    }

    /// The TCP port the server listens on: the kernel's choice when port 0 was asked; 0 when it
    /// serves no TCP.
    package let boundPort: Int

    /// Connections open now, over every listener.
    package var openConnections: Int { budget.current }

    /// What the server's own budgets hold now, and what its worker threads do, for metrics.
    package var load: ServerLoad {
        ServerLoad(
            openConnections: budget.current, connectionsLimit: budget.limit,
            reservedConnections: budget.currentReserved, reservedConnectionsLimit: budget.reserve,
            bodyBytes: bodyBudget.heldBytes,
            bodyBytesLimit: bodyBudget.limit, bodyRefusals: bodyBudget.refusalCount,
            workers: workers.statistics)
    }

    /// Runs the loops, one on the calling thread and the others on threads of their own, and
    /// returns when every loop has finished after `shutdown()`. Call it once.
    package func run() {
        let shouldRun = phase.withLock { phase in
            guard case .ready = phase else { return false }
            phase = .running
            return true
        }
        guard shouldRun else { return }
        workers.start()
        let threads = loops.dropFirst().map { loop in LoopThread.start { loop.run() } }
        loops[0].run()
        for thread in threads { thread.join() }
        // The loops answered what they could within the grace period; no job may start now.
        workers.stop()
        if !isHandingOver.load(ordering: .acquiring) {
            for listener in listeners { listener.close() }
        }
        phase.withLock { $0 = .stopped }
    }

    /// Stops as `shutdown()` does, but leaves the listening sockets open, and their connections
    /// waiting in the backlog, for the process that takes over (`listenerDescriptors`); a
    /// connection that has not sent its request yet is still served.
    package func handOver() {
        isHandingOver.store(true, ordering: .releasing)
        for loop in loops { loop.inbox.post(.handOver) }
    }

    /// Whether every loop has woken since the previous call, which wakes them all again: the
    /// watchdog asks at its interval, so a loop stuck for a whole interval makes it false.
    package func loopsAnswered() -> Bool {
        let asked = lastProbe.exchange(MonotonicClock.now(), ordering: .acquiringAndReleasing)
        let answered = loops.allSatisfy { $0.lastTurn.load(ordering: .relaxed) >= asked }
        for loop in loops { loop.inbox.post(.probe) }
        return answered
    }

    /// The listening sockets' descriptors, for a process that takes over after `handOver()`.
    package var listenerDescriptors: [Int32] { listeners.map(\.fd) }

    /// Stops accepting, lets requests in flight finish within `shutdownGrace`, closes idle
    /// connections; then `run()` returns. Callable from any thread, any number of times,
    /// before or during `run()`.
    package func shutdown() {
        for loop in loops { loop.inbox.post(.shutdown) }
    }
}
