import GuestMem
import HTTP

/// One consumer's events as a Server-Sent Events body (WHATWG HTML §9.2): each event an `id:`
/// (its seq, so `Last-Event-ID` resumes after it), an `event:` (its type) and one `data:` line of
/// the same JSON a long-poll answers. While nothing happens, a `: keep-alive` comment goes out
/// every `heartbeat`, so proxies keep the connection and a departed client is noticed. The body
/// ends after the `detached` event, or when the client goes.
struct EventStream: Sendable {
    let memory: MemoryStore
    let tenant: TenantID
    let id: ConsumerID
    let heartbeat: Duration
    /// The events already read when the request was checked.
    let first: EventBatch
    /// The stream's place in its tenant's `StreamQuota`, given back when the body ends.
    let ticket: StreamTicket

    static let keepAlive = Array(": keep-alive\n\n".utf8)
    /// Asks an EventSource to reconnect after 2 s, not its default 3 s.
    static let preamble = Array("retry: 2000\n\n".utf8)

    var response: Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/event-stream")
        headers.add("Cache-Control", "no-cache")
        // nginx buffers responses unless told not to; an event stream must not wait in a buffer.
        headers.add("X-Accel-Buffering", "no")
        return Response(status: .ok, headers: headers, body: .stream(run))
    }

    @Sendable func run(_ writer: any ResponseWriter) async {
        defer { ticket.release() }
        guard await writer.write(Self.preamble) else { return }
        var batch = first
        while true {
            if !batch.events.isEmpty {
                guard await writer.write(Self.frames(batch.events)) else { return }
            }
            // A detached consumer's batch runs to its `detached` event: nothing follows.
            if batch.isDetached { return }
            // A consumer forgotten meanwhile (its tenant deleted) ends the stream as well.
            guard let next = try? await memory.events(of: id, of: tenant, after: batch.next, wait: heartbeat)
            else { return }
            if next.events.isEmpty, !next.isDetached {
                guard await writer.write(Self.keepAlive) else { return }
            }
            batch = next
        }
    }

    static func frames(_ events: [ConsumerEvent]) -> [UInt8] {
        var bytes: [UInt8] = []
        for event in events {
            let view = EventView(event)
            bytes += Array("id: \(view.seq)\nevent: \(view.type)\ndata: ".utf8)
            bytes += JSONWriter.encode(view)
            bytes += Array("\n\n".utf8)
        }
        return bytes
    }
}
