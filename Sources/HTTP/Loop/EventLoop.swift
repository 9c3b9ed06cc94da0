import CSocket
import Glibc
import Synchronization
import SystemPackage

/// One thread's epoll loop: accepts from the shared listeners, owns the connections it
/// accepted, runs onLoop handlers inline and takes offLoop answers from its inbox.
///
/// `@unchecked Sendable`: built on the server's thread, then used only by the thread that
/// calls `run()`, except `inbox`, which is itself Sendable and is how other threads reach it.
final class EventLoop: @unchecked Sendable {
    static let inboxTag = UInt64.max
    /// Listener `index` is tagged `inboxTag - 1 - index`. A connection's tag never comes near:
    /// its low half is an fd, far below 2^32 - 2.
    static func listenerTag(_ index: Int) -> UInt64 { inboxTag - 1 - UInt64(index) }
    /// Bytes read per read(2): enough for dozens of pipelined small requests.
    static let readBufferSize = 64 * 1024

    let inbox: Inbox
    let router: Router
    let configuration: ServerConfiguration
    /// The configuration's timeouts in nanoseconds, read per request (the configuration itself
    /// holds references, so reading through it costs reference counting).
    let idleNanoseconds: UInt64, headerNanoseconds: UInt64, bodyNanoseconds: UInt64
    let limits: ParserLimits
    let epoll: Epoll
    let listeners: [ListeningSocket]
    let budget: ConnectionBudget
    let bodyBudget: BodyBudget
    /// `configuration.requestObserver`, read once rather than per request.
    let observer: RequestObserver?
    /// `configuration.headJudge`, read once.
    let headJudge: HeadJudge?
    /// `configuration.reserveJudge`, read once.
    let reserveJudge: ReserveJudge?
    let compression: ResponseCompression?
    /// The server's worker threads, for `staged` handlers' jobs.
    let workers: WorkerPool
    // Read and advanced only on this loop's thread, per request: spare the dynamic exclusivity check.
    @exclusivity(unchecked) var requestIDs = RequestIDGenerator()
    /// Connections by fd: fds are small and dense, so an array is the cheapest map.
    var connections: [Connection?] = []
    var connectionCount = 0
    /// This loop's connections in reserved places (past `maxConnections`), oldest first: at
    /// most the server's few reserved places.
    var reservedIDs: [ConnectionID] = []
    var nextSerial: UInt32 = 0
    /// Shared by all connections of this loop: a read is parsed before the next one starts,
    /// and leftovers are copied into the connection.
    let readBuffer: UnsafeMutableRawBufferPointer
    let events: UnsafeMutableBufferPointer<epoll_event>
    private var spareMessages: [LoopMessage] = []
    /// Monotonic nanoseconds, read once per wakeup.
    var now: UInt64 = 0
    var date = DateCache()
    var isStopping = false
    /// The listeners go on in another process: connections that have not sent a request yet are
    /// served before the loop stops, not closed (Connection.stopGracefully).
    var isHandingOver = false
    /// Monotonic nanoseconds of this loop's latest wakeup, for the watchdog (HTTPServer).
    let lastTurn = Atomic<UInt64>(0)
    var isListenerPaused = false
    var stopDeadline: UInt64 = 0
    var nextSweep: UInt64 = 0
    let sweepInterval: UInt64

    init(
        configuration: ServerConfiguration, router: Router, listeners: [ListeningSocket],
        budget: ConnectionBudget, bodyBudget: BodyBudget, workers: WorkerPool
    ) throws(Errno) {
        self.workers = workers
        self.configuration = configuration
        idleNanoseconds = configuration.idleTimeout.nanoseconds
        headerNanoseconds = configuration.headerTimeout.nanoseconds
        bodyNanoseconds = configuration.bodyTimeout.nanoseconds
        self.router = router
        self.listeners = listeners
        self.budget = budget
        self.bodyBudget = bodyBudget
        observer = configuration.requestObserver
        headJudge = configuration.headJudge
        reserveJudge = configuration.reserveJudge
        compression = configuration.gzipMinimumBytes.map {
            ResponseCompression(minimumBytes: $0, level: Int32(clamping: configuration.gzipLevel))
        }
        limits = ParserLimits(
            maxRequestLineBytes: configuration.maxRequestLineBytes,
            maxHeaderBytes: configuration.maxHeaderBytes,
            maxBodyBytes: configuration.maxBodyBytes)
        inbox = try Inbox()
        epoll = try Epoll()
        try epoll.add(inbox.wakeup.fd, .readable, tag: Self.inboxTag)
        for (index, listener) in listeners.enumerated() {
            try epoll.add(listener.fd, [.readable, .exclusive], tag: Self.listenerTag(index))
        }
        readBuffer = .allocate(byteCount: Self.readBufferSize, alignment: 16)
        events = .allocate(capacity: 256)
        // Deadlines are checked by a sweep; a quarter of the shortest timeout keeps each within
        // 25% of its value, and the sweep never runs more than 100 times a second.
        let shortest = min(configuration.headerTimeout, configuration.bodyTimeout, configuration.idleTimeout)
        sweepInterval = min(max(shortest.nanoseconds / 4, 10_000_000), 1_000_000_000)
    }

    deinit {
        readBuffer.deallocate()
        events.deallocate()
    }

    /// Serves until a shutdown message has been carried out; then every connection is closed.
    func run() {
        now = MonotonicClock.now()
        date.refresh()
        nextSweep = now + sweepInterval
        while !isStopping || (connectionCount > 0 && now < stopDeadline) {
            let wait = nextSweep > now ? Int32(min((nextSweep - now + 999_999) / 1_000_000, 1000)) : 0
            let count = epoll.wait(into: events, milliseconds: wait)
            now = MonotonicClock.now()
            lastTurn.store(now, ordering: .relaxed)
            date.refresh()
            for index in 0..<count {
                // SAFETY: epoll_wait filled exactly `count` ≤ events.count entries.
                let event = events[index]
                dispatch(tag: event.data.u64, events: Epoll.Events(rawValue: event.events))
            }
            if now >= nextSweep { sweep() }
        }
        finish()
    }

    private func dispatch(tag: UInt64, events: Epoll.Events) {
        switch tag {
        case Self.inboxTag: drainInbox()
        case Self.listenerTag(listeners.count - 1)...Self.listenerTag(0):
            acceptConnections(from: listeners[Int(Self.listenerTag(0) - tag)])
        default:
            guard let connection = connection(ConnectionID(tag: tag)) else { return }
            // ERR, and HUP (both directions gone) while not reading, are reported whatever the
            // interest; nothing more can be sent, so close rather than spin on them.
            if events.contains(.error) || (events.contains(.hangup) && !connection.isReading) {
                return close(connection)
            }
            if events.contains(.writable) { connection.writable() }
            if !connection.isClosed, !events.isDisjoint(with: [.readable, .hangup]) { connection.readable() }
        }
    }

    /// The live connection with this id, or nil if it has gone (and its fd maybe been reused).
    func connection(_ id: ConnectionID) -> Connection? {
        guard id.fd >= 0, Int(id.fd) < connections.count, let connection = connections[Int(id.fd)],
            connection.id.serial == id.serial
        else { return nil }
        return connection
    }

    private func drainInbox() {
        inbox.take(into: &spareMessages)
        for message in spareMessages { deliver(message) }
        spareMessages.removeAll(keepingCapacity: true)
    }

    private func deliver(_ message: LoopMessage) {
        switch message {
        case .shutdown: beginStop()
        case .handOver:
            isHandingOver = true
            beginStop()
        case .probe: break
        case .response(let id, let response):
            guard let connection = connection(id) else { return message.discard() }
            connection.receive(response)
        case .streamChunk(let id, let bytes, let continuation):
            guard let connection = connection(id) else { return message.discard() }
            connection.receiveChunk(bytes, continuation)
        case .streamEnd(let id):
            connection(id)?.streamEnded()
        }
    }

    /// Sets what epoll reports for a connection.
    func setInterest(_ connection: Connection, _ interest: Epoll.Events) {
        guard connection.interest != interest else { return }
        connection.interest = interest
        // Fails only if the fd is not registered, which a live connection always is.
        try? epoll.modify(connection.id.fd, interest, tag: connection.id.tag)
    }

    /// Forgets a connection: its queued files are released, a waiting producer is told, and
    /// its fd closes when the last reference (this table's) goes.
    func close(_ connection: Connection) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        connection.abandon()
        connections[Int(connection.id.fd)] = nil
        connectionCount -= 1
        if connection.place == .reserved { reservedIDs.removeAll { $0 == connection.id } }
        budget.release(connection.place)
    }
}
