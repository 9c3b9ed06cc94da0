/// One client connection: carries out the parser's steps, routes requests, queues responses
/// and writes them. It belongs to one event loop and is touched only on that loop's thread,
/// so it has no lock. Its states:
///
/// - handshaking: a TLS connection before its handshake is done; under the header timeout.
/// - reading: parsing requests; onLoop handlers answer inline, so pipelined requests are
///   answered in one batch and one write.
/// - awaitingResponse: an offLoop handler runs; no further request is parsed until its answer
///   comes back through the inbox, so answers stay in order.
/// - streaming: a stream producer runs; same rule.
/// - closing: the last response is being written; then lingering.
/// - lingering: FIN sent, reading and discarding until the peer closes or a short deadline.
final class Connection {
    enum State {
        case handshaking
        case reading
        case awaitingResponse(ResponseContext)
        case streaming(ResponseContext)
        case closing
        case lingering
    }

    /// How long a closing connection keeps draining the client's bytes after its FIN.
    static let lingerNanoseconds: UInt64 = 2_000_000_000
    /// Parsing pauses while this much output is queued: a client that pipelines without
    /// reading cannot grow our memory.
    static let outputHighWater = 256 * 1024

    let id: ConnectionID
    let socket: StreamSocket
    /// The loop outlives its connections (it closes them all before it goes), and both live
    /// on its thread; `unowned(unsafe)` spares a reference count per access.
    unowned(unsafe) let loop: EventLoop
    var parser: RequestParser
    /// Bytes read but not yet consumed by the parser (a split head, or pipelined requests
    /// behind one in flight). Usually empty: a whole request is parsed from the loop's buffer.
    var pendingInput: [UInt8] = []
    var output = OutputQueue()
    var state: State
    /// What epoll reports for this fd now.
    var interest = Epoll.Events.readable
    /// Monotonic nanoseconds after which `expire()` runs; 0 for none.
    var deadline: UInt64 = 0
    /// The header timeout runs from the first byte of a head, not from each read.
    var isHeadDeadlineSet = false
    /// A stream producer waiting for its chunk to drain.
    var streamWaiter: CheckedContinuation<Bool, Never>?
    var isClosed = false
    /// The request being answered, for the loop's observer.
    var trace = RequestTrace()
    /// Bytes read from the socket so far: positions for descriptors that arrive (unix(7)).
    var receivedBytes = 0
    /// Descriptors read but not yet given to a request (Connection+Descriptors).
    var arrivals: [DescriptorArrival] = []
    /// The body budget's bytes for the body being read; handed to its request when it is whole.
    var bodyReservation: BodyReservation?
    /// What the server keeps between this connection's requests; every request and head it
    /// judges carries it.
    let memo = ConnectionMemo()

    /// Its place in the server's connection budget; in a reserved one, only what the loop's
    /// `reserveJudge` accepts is served.
    let place: ConnectionBudget.Place

    init(
        id: ConnectionID, socket: consuming StreamSocket, loop: EventLoop,
        place: ConnectionBudget.Place = .regular
    ) {
        self.id = id
        self.place = place
        state = socket.isTLS ? .handshaking : .reading
        self.socket = socket
        self.loop = loop
        parser = RequestParser(limits: loop.limits)
    }

    var isReading: Bool {
        if case .reading = state { return true }
        return false
    }

    /// Whether it has nothing under way: no request past its head, nothing to send. A TLS
    /// handshake counts as silence, and so does lingering after the last answer went out.
    var isSilent: Bool {
        switch state {
        case .handshaking, .lingering: true
        case .reading: output.isEmpty && parser.phase != .body
        case .awaitingResponse, .streaming, .closing: false
        }
    }

    /// Called by the loop as it closes this connection: queued files are released and a
    /// waiting producer learns the client is gone.
    func abandon() {
        reportStreamEnd()
        output.discard()
        for arrival in arrivals { arrival.descriptors.close() }
        arrivals = []
        bodyReservation = nil
        streamWaiter?.resume(returning: false)
        streamWaiter = nil
    }

    /// The loop is shutting down: an idle or lingering connection, or one with only part of a
    /// head, closes now; a request in flight is answered (with `Connection: close`) first. A
    /// stream ends now, properly framed: its producer may wait far longer than the grace
    /// period for something to say (an SSE reader between events), and its next write is told
    /// the client is gone.
    func stopGracefully() {
        switch state {
        case .lingering, .handshaking: loop.close(self)
        case .reading where output.isEmpty && parser.phase != .body && !isOwedAnAnswerAtHandOver:
            loop.close(self)
        case .streaming:
            streamWaiter?.resume(returning: false)
            streamWaiter = nil
            streamEnded()
        case .reading, .awaitingResponse, .closing: break
        }
    }

    /// A connection whose client may be sending its first request, or is in the middle of a
    /// head, when the listeners are handed over: closing it would fail a request that the client
    /// sent in time. Only an idle keep-alive connection (between requests) is closed, as HTTP
    /// lets a server do at any moment.
    private var isOwedAnAnswerAtHandOver: Bool {
        loop.isHandingOver && (receivedBytes == 0 || parser.phase == .head)
    }

    /// The deadline passed. A request half-received gets 408 (RFC 9110 §15.5.9); an idle
    /// keep-alive connection, a client that stopped reading, or a lingering one just closes.
    func expire() {
        deadline = 0
        guard case .reading = state, output.isEmpty, parser.phase != .idle else {
            if case .awaitingResponse = state, output.isEmpty { return }
            if case .streaming = state, output.isEmpty { return }
            return loop.close(self)
        }
        refuse(.timeout, .requestTimeout, detail: "the request did not arrive in time")
        finishBatch()
    }
}
