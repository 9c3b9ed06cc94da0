extension Connection {
    /// Routes a complete request and answers it, inline or through a task.
    func respond(to parsed: ParsedRequest) {
        isHeadDeadlineSet = false
        var request = parsed.request
        if request.id.isNone { request.id = loop.requestIDs.next() }
        request.listener = socket.listener
        request.connectionMemo = memo
        let context = ResponseContext(
            isHead: request.method == .head, isHTTP10: request.version.minor == 0,
            keepAlive: parsed.keepAlive,
            acceptsGzip: parsed.acceptsGzip, requestID: request.id)
        trace = RequestTrace(method: request.method, start: loop.now)
        switch loop.router.match(request.method, path: request.path) {
        case .found(let handler, let parameters, let pattern):
            request.pathParameters = parameters
            trace.route = pattern
            switch parsed.contentCoding {
            case .identity: run(handler, request, context, isCoded: false)
            case .gzip: run(handler, request, context, isCoded: !request.body.isEmpty)
            case .unsupported:
                // RFC 9110 §15.5.16: 415, naming the coding that is served.
                let headers = HTTPHeaders([("Accept-Encoding", "gzip")])
                let detail = "Content-Encoding must be gzip or identity"
                send(
                    ProblemResponse.make(
                        .unsupportedMediaType, .unsupportedMediaType, detail: detail, headers: headers),
                    context)
            }
        case .methodNotAllowed(let allowed):
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            let headers = HTTPHeaders([("Allow", list)])
            send(
                ProblemResponse.make(
                    .methodNotAllowed, .methodNotAllowed, detail: "allowed: \(list)", headers: headers),
                context)
        case .notFound:
            send(ProblemResponse.make(.notFound, .notFound, detail: "no route for \(request.path)"), context)
        }
    }

    private func run(_ handler: Handler, _ request: Request, _ context: ResponseContext, isCoded: Bool) {
        switch handler {
        case .onLoop(let run): send(run(request), context)
        case .offLoop(let run): wait(context) { await run(request) }
        case .staged(let decide):
            switch decide(request) {
            case .answer(let response): send(response, context)
            case .wait(let run): wait(context, run)
            case .work(let owner, let isBounded, let run):
                work(for: owner, isBounded: isBounded, run, request, context, isCoded: isCoded)
            }
        }
    }

    /// Runs `run` as a task: it only suspends, so the cooperative pool is the place.
    private func wait(_ context: ResponseContext, _ run: @escaping @Sendable () async -> Response) {
        state = .awaitingResponse(context)
        let (inbox, id) = (loop.inbox, id)
        Task { inbox.post(.response(id, await run())) }
    }

    /// Runs `run` on a worker thread in `owner`'s share, or answers 503 when the owner's queue
    /// is full. Its answer comes through the inbox whenever `run` sends it: the worker is free
    /// once `run` returns. A gzip body is inflated there first (a large one takes milliseconds), up to the
    /// body limit: a bomb gets 413 once its output passes the limit, not an exhausted memory. Its
    /// output counts against the body budget as it grows (503 once the budget is out).
    private func work(
        for owner: String, isBounded: Bool, _ run: @escaping @Sendable (Request, Reply) -> Void,
        _ request: Request,
        _ context: ResponseContext, isCoded: Bool
    ) {
        // Set before the job is queued; its answer comes through the inbox, read on this thread.
        state = .awaitingResponse(context)
        let (reply, limit) = (Reply(inbox: loop.inbox, id: id), loop.limits.maxBodyBytes)
        let isQueued = loop.workers.submit(owner: owner, isBounded: isBounded) {
            guard isCoded else { return run(request, reply) }
            var request = request
            do throws(RequestError) {
                request.body = try Gzip.inflate(
                    request.body, limit: limit, reservation: request.bodyReservation)
            } catch {
                return reply.send(error.response)
            }
            request.headers.remove("Content-Encoding")
            run(request, reply)
        }
        guard !isQueued else { return }
        // RFC 9110 §15.6.4: the server is overloaded for this caller; §10.2.3: when to come back.
        let headers = HTTPHeaders([("Retry-After", "1")])
        let detail = "\(loop.workers.queueDepth) requests of this caller already wait for a worker thread"
        send(
            ProblemResponse.make(.overloaded, .serviceUnavailable, detail: detail, headers: headers), context)
    }

    /// Queues a response for the request described by `context` and moves to the next state.
    func send(_ response: consuming Response, _ context: ResponseContext) {
        var context = context
        var response = response
        context.keepAlive = context.keepAlive && !loop.isStopping
        if let descriptors = response.descriptors {
            response.descriptors = nil
            // Elsewhere they are dropped here, which closes them: only unix(7) carries them.
            if socket.isUnix { output.pass(descriptors) }
        }
        loop.compression?.apply(to: &response, context)
        let queued = output.append(response, context: &context, date: loop.date.bytes)
        if let producer = queued.producer {
            state = .streaming(context)
            trace.status = queued.status
            trace.streamedBytes = 0
            let (inbox, id) = (loop.inbox, id)
            Task {
                await producer(StreamWriter(inbox: inbox, id: id))
                inbox.post(.streamEnd(id))
            }
        } else {
            state = context.keepAlive ? .reading : .closing
            if loop.observer != nil {
                report(status: queued.status, bodyBytes: queued.bodyBytes, requestID: context.requestID)
            }
        }
    }

    /// Answers a refusal of the parser's or the server's and closes.
    func refuse(_ error: RequestError) { refuse(error.response) }

    /// Answers with a problem and closes: after a refusal, framing can't be trusted.
    func refuse(_ type: ProblemType, _ status: HTTPStatus, detail: String) {
        refuse(ProblemResponse.make(type, status, detail: detail))
    }

    private func refuse(_ response: Response) {
        // No request will take what came with the refused bytes.
        for arrival in arrivals { arrival.descriptors.close() }
        arrivals = []
        trace = RequestTrace(method: nil, start: loop.now)
        let context = ResponseContext(
            isHead: false, isHTTP10: false, keepAlive: false, requestID: loop.requestIDs.next())
        send(response, context)
    }

    /// An offLoop handler answered.
    func receive(_ response: Response) {
        guard case .awaitingResponse(let context) = state else { return response.body.release() }
        send(response, context)
        parsePendingInput()
        finishBatch()
    }

    /// A stream producer wrote a chunk; it resumes once the chunk is written out.
    func receiveChunk(_ bytes: [UInt8], _ continuation: CheckedContinuation<Bool, Never>) {
        guard case .streaming(let context) = state else { return continuation.resume(returning: false) }
        // An empty chunk would end a chunked body: there is nothing to send anyway.
        if !bytes.isEmpty {
            if context.isHTTP10 { output.append(body: bytes) } else { output.appendChunk(bytes) }
            trace.streamedBytes += bytes.count
        }
        streamWaiter?.resume(returning: true)
        streamWaiter = continuation
        finishBatch()
    }

    /// A stream producer returned: the body ends (last-chunk, no trailers).
    func streamEnded() {
        guard case .streaming(let context) = state else { return }
        if !context.isHTTP10 { output.append("0\r\n\r\n") }
        reportStreamEnd()
        state = context.keepAlive && !loop.isStopping ? .reading : .closing
        parsePendingInput()
        finishBatch()
    }
}
