extension Connection {
    /// Routes a complete request and answers it, inline or through a task.
    func respond(to parsed: ParsedRequest) {
        isHeadDeadlineSet = false
        var request = parsed.request
        let context = ResponseContext(
            isHead: request.method == .head, isHTTP10: request.version.minor == 0, keepAlive: parsed.keepAlive
        )
        switch loop.router.match(request.method, path: request.path) {
        case .found(let handler, let parameters):
            request.pathParameters = parameters
            switch handler {
            case .onLoop(let run): send(run(request), context)
            case .offLoop(let run):
                state = .awaitingResponse(context)
                let (inbox, id) = (loop.inbox, id)
                Task { [request] in inbox.post(.response(id, await run(request))) }
            }
        case .methodNotAllowed(let allowed):
            let list = allowed.map(\.rawValue).joined(separator: ", ")
            let headers = HTTPHeaders([("Allow", list)])
            send(
                ProblemResponse.make(.methodNotAllowed, detail: "allowed: \(list)", headers: headers), context
            )
        case .notFound:
            send(ProblemResponse.make(.notFound, detail: "no route for \(request.path)"), context)
        }
    }

    /// Queues a response for the request described by `context` and moves to the next state.
    func send(_ response: Response, _ context: ResponseContext) {
        var context = context
        context.keepAlive = context.keepAlive && !loop.isStopping
        let producer = output.append(response, context: &context, date: loop.date.bytes)
        if let producer {
            state = .streaming(context)
            let (inbox, id) = (loop.inbox, id)
            Task {
                await producer(StreamWriter(inbox: inbox, id: id))
                inbox.post(.streamEnd(id))
            }
        } else {
            state = context.keepAlive ? .reading : .closing
        }
    }

    /// Answers with a problem and closes: after a refusal, framing can't be trusted.
    func refuse(_ status: HTTPStatus, detail: String) {
        let context = ResponseContext(isHead: false, isHTTP10: false, keepAlive: false)
        send(ProblemResponse.make(status, detail: detail), context)
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
        }
        streamWaiter?.resume(returning: true)
        streamWaiter = continuation
        finishBatch()
    }

    /// A stream producer returned: the body ends (last-chunk, no trailers).
    func streamEnded() {
        guard case .streaming(let context) = state else { return }
        if !context.isHTTP10 { output.append("0\r\n\r\n") }
        state = context.keepAlive && !loop.isStopping ? .reading : .closing
        parsePendingInput()
        finishBatch()
    }
}
