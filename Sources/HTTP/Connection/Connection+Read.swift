extension Connection {
    /// The fd is readable (or hung up).
    func readable() {
        switch state {
        case .reading: break
        case .handshaking: return continueHandshake()
        case .lingering: return discardInput()
        case .awaitingResponse, .streaming, .closing:
            // Level-triggered: stop being told until we want to read again (finishBatch).
            return loop.setInterest(self, output.isEmpty ? [] : .writable)
        }
        let fresh: UnsafeRawBufferPointer
        do {
            switch try (socket.isUnix ? readCarryingDescriptors() : socket.read(into: loop.readBuffer)) {
            case .wouldBlock: return
            // A client gone mid-request, or between requests: nothing to answer.
            case .endOfStream: return loop.close(self)
            // SAFETY: read(2) wrote `count` ≤ readBuffer.count bytes at its start.
            case .bytes(let count):
                receivedBytes += count
                fresh = UnsafeRawBufferPointer(rebasing: loop.readBuffer[..<count])
            }
        } catch {
            return loop.close(self)
        }
        if pendingInput.isEmpty {
            let consumed = parseRequests(fresh)
            if consumed < fresh.count, isKeepingInput {
                // SAFETY: consumed ≤ fresh.count, as parse never reports more than it was given.
                pendingInput.append(contentsOf: fresh[consumed...])
            }
        } else {
            pendingInput.append(contentsOf: fresh)
            parsePendingInput()
        }
        finishBatch()
    }

    /// Parses what is left in `pendingInput`, e.g. requests pipelined behind one that was in
    /// flight.
    func parsePendingInput() {
        guard isReading, !pendingInput.isEmpty else { return }
        let consumed = pendingInput.withUnsafeBytes { parseRequests($0) }
        if !isKeepingInput {
            pendingInput = []
        } else if consumed == pendingInput.count {
            pendingInput.removeAll(keepingCapacity: pendingInput.capacity <= 16 * 1024)
        } else {
            pendingInput.removeFirst(consumed)
        }
    }

    /// Whether unparsed bytes still matter: not once the connection is closing.
    private var isKeepingInput: Bool {
        switch state {
        case .reading, .awaitingResponse, .streaming: true
        case .handshaking, .closing, .lingering: false
        }
    }

    /// Feeds `bytes` to the parser and carries out its steps until it needs more bytes, a
    /// request goes off the loop, the connection is closing, or enough output is queued.
    /// Returns how many bytes were consumed; the rest must be kept.
    private func parseRequests(_ bytes: UnsafeRawBufferPointer) -> Int {
        // `bytes` are the last ones read, unconsumed: they end at `receivedBytes`.
        let start = receivedBytes - bytes.count
        var offset = 0
        while isReading, output.pendingBytes < Self.outputHighWater {
            // SAFETY: offset ≤ bytes.count: it only grows by what parse consumed of the rest.
            let (step, consumed) = parser.parse(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            offset += consumed
            switch step {
            case .needMoreBytes:
                return reserveBody(parser.promisedBodyBytes, of: parser.pendingHead) ? offset : bytes.count
            case .head(let expectsContinue):
                // Judged before a body byte is kept: a refused request costs its head, not its body.
                guard isServable(parser.pendingHead), admitPendingHead(),
                    reserveBody(parser.promisedBodyBytes, of: parser.pendingHead)
                else { return bytes.count }
                if expectsContinue { output.append("HTTP/1.1 100 Continue\r\n\r\n") }
            case .request(var parsed):
                guard isServable(parsed.request), reserveBody(parsed.request.body.count, of: parsed.request)
                else { return bytes.count }
                parsed.request.descriptors = descriptors(forRequestEndingAt: start + offset)
                parsed.request.bodyReservation = bodyReservation
                bodyReservation = nil
                respond(to: parsed)
            case .reject(let error):
                refuse(error)
                return bytes.count
            }
        }
        return offset
    }

    /// Whether this connection may serve `head`: on a reserved place only what the loop's
    /// `reserveJudge` accepts (the admin's requests); anything else is 503 and the connection
    /// closes, freeing the place.
    private func isServable(_ head: Request?) -> Bool {
        guard place == .reserved, head != nil else { return true }
        if isExempt(head) { return true }
        refuse(.connectionsExhausted)
        return false
    }

    /// Grows the reservation of the body of `head` to `bytes` (a Content-Length as soon as its
    /// head is admitted, a chunked body chunk by chunk). When the bodies in flight leave no room,
    /// the request is 503 and the connection closes with the rest of the body unread; but what
    /// the loop's `reserveJudge` accepts (the admin's requests, whose bodies the JSON limit keeps
    /// small) is admitted over the budget, so that the admin is never locked out by it.
    private func reserveBody(_ bytes: Int, of head: Request?) -> Bool {
        guard bytes > (bodyReservation?.reservedBytes ?? 0) else { return true }
        let reservation = bodyReservation ?? loop.bodyBudget.reservation()
        bodyReservation = reservation
        guard reservation.resize(to: bytes, isExempt: { isExempt(head) }) else {
            refuse(.bodyBudgetExhausted)
            return false
        }
        return true
    }

    /// Whether `head` may pass the server's own budgets: the loop's `reserveJudge` says.
    private func isExempt(_ head: Request?) -> Bool {
        guard var head, let judge = loop.reserveJudge else { return false }
        head.connectionMemo = memo
        return judge(head)
    }

    /// Asks the loop's judge about the head whose body is arriving. A refusal is answered at once
    /// and the connection closes with the body unread: lingering discards what the client still
    /// sends, so a refused request costs its head, never its body. A limit the judge sets holds
    /// the body to it (`RequestParser.limitBody`).
    private func admitPendingHead() -> Bool {
        guard let judge = loop.headJudge, var head = parser.pendingHead,
            case .found(_, _, let pattern) = loop.router.match(head.method, path: head.path)
        else { return true }
        head.connectionMemo = memo
        let response: Response
        switch judge(head, pattern) {
        case .admit: return true
        case .admitUpTo(let bytes):
            parser.limitBody(to: bytes)
            return true
        case .refuse(let refusal): response = refusal
        }
        trace = RequestTrace(method: head.method, start: loop.now)
        trace.route = pattern
        let context = ResponseContext(
            isHead: false, isHTTP10: head.version.minor == 0, keepAlive: false,
            requestID: head.id.isNone ? loop.requestIDs.next() : head.id)
        send(response, context)
        return false
    }

    /// Reads and drops what a closing client still sends, until it closes.
    private func discardInput() {
        switch try? socket.read(into: loop.readBuffer) {
        case .bytes?, .wouldBlock?: return
        case .endOfStream?, nil: loop.close(self)
        }
    }
}
