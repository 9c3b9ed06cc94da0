import GuestMem
import HTTP

/// `GET /v1/consumers/{cid}/events`: a consumer's events as JSON long-poll (`after`, `wait`) or,
/// for a reader that prefers `text/event-stream`, as Server-Sent Events resumable with
/// `Last-Event-ID`. What there is now is read on the loop (the consumer's lock is short and no
/// slow call holds it): a long-poll with events to give, or one that may not wait, answers
/// there; only a reader who waits for the next event gets a task, which suspends and blocks no
/// thread. A stream's body is written by a task of its own.
extension Routes {
    func addEventRoutes(to router: inout Router) {
        router.add(
            .get, "/v1/consumers/{cid}/events",
            .staged { [self] request in
                do throws(Problem) { return try events(request) } catch { return .answer(error.response) }
            })
    }

    private func events(_ request: Request) throws(Problem) -> Stage {
        let tenant = try auth.tenant(of: request)
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        let format = try EventFormat(accept: request.headers.values("Accept"))
        // Held by a long-poll until it answers, by a stream until it ends.
        let ticket = try streams.ticket(for: tenant)
        switch format {
        case .stream:
            let query = try request.sequenceQuery("after")
            let after = try request.lastEventID() ?? query ?? 0
            // Read once before answering: an unknown consumer or position is a problem, not a 200.
            let first = try domain { () throws(GuestMemError) in
                try memory.eventsNow(of: id, of: tenant, after: after)
            }
            let stream = EventStream(
                memory: memory, tenant: tenant, id: id, heartbeat: eventHeartbeat, first: first,
                ticket: ticket)
            return .answer(Self.varyingByAccept(stream.response))
        case .json:
            let after = try request.sequenceQuery("after") ?? 0
            let wait = try request.waitQuery()
            let now = try domain { () throws(GuestMemError) in
                try memory.eventsNow(of: id, of: tenant, after: after)
            }
            guard now.events.isEmpty, !now.isDetached, wait > .zero else {
                ticket.release()
                return .answer(Self.varyingByAccept(.json(EventBatchView(now))))
            }
            return .wait { [memory] in
                defer { ticket.release() }
                do throws(GuestMemError) {
                    let batch = try await memory.events(of: id, of: tenant, after: after, wait: wait)
                    return Self.varyingByAccept(.json(EventBatchView(batch)))
                } catch {
                    return Problem(error).response
                }
            }
        }
    }

    /// Which of the two a reader gets depends on its Accept (RFC 9110 §12.5.5).
    private static func varyingByAccept(_ response: Response) -> Response {
        var response = response
        response.headers.add("Vary", "Accept")
        return response
    }
}

/// What a reader asked for in `Accept` (RFC 9110 §12.5.1). The stream only when the reader
/// prefers it: a weight above application/json's, or the only one of the two it takes. A reader
/// that takes both alike gets JSON, which always answers; an endless stream would hang a client
/// that lists every type it can decode, as generated clients do. Neither: 406 (RFC 9110 §15.5.7).
enum EventFormat: Equatable {
    case json, stream

    init(accept fieldValues: [String]) throws(Problem) {
        let accept: AcceptField
        do {
            accept = try AcceptField(fieldValues)
        } catch {
            throw .badRequest("Accept: \(error.reason)")
        }
        let json = accept.weight(of: "application", "json")
        let stream = accept.weight(of: "text", "event-stream")
        if stream > json {
            self = .stream
        } else if json > 0 {
            self = .json
        } else {
            throw Problem(
                .notAcceptable,
                detail: "events are application/json or text/event-stream; Accept takes neither")
        }
    }
}

extension Request {
    /// A sequence number in the query (`after`), or nil when absent; anything but a whole
    /// number from 0 is 422.
    func sequenceQuery(_ name: String) throws(Problem) -> UInt64? {
        guard let text = queryValue(name) else { return nil }
        guard let value = UInt64(text) else { throw .unprocessable("\(name) must be a whole number from 0") }
        return value
    }

    /// `Last-Event-ID`, the SSE reader's resume point (the `id:` it saw last), or nil.
    func lastEventID() throws(Problem) -> UInt64? {
        guard let text = headers["Last-Event-ID"] else { return nil }
        guard let value = UInt64(text.trimmingWhitespace()) else {
            throw .unprocessable("Last-Event-ID must be an id this stream sent: a whole number")
        }
        return value
    }

    /// `wait` in seconds, 0 when absent: from 0 to `MemoryStore.maxEventWait`, else 422.
    func waitQuery() throws(Problem) -> Duration {
        guard let text = queryValue("wait") else { return .zero }
        let most = MemoryStore.maxEventWait.components.seconds
        guard let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds <= Double(most) else {
            throw .unprocessable("wait must be a number of seconds from 0 to \(most)")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
