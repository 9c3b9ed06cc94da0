import Foundation
import TestSupport
import Testing

/// Which answer `GET /v1/consumers/{cid}/events` gives for an `Accept`: the event stream only for a
/// reader that prefers it (RFC 9110 §12.5.1 weights), JSON for one that takes both alike, as a
/// generated client lists every type it decodes. The consumer is detached first, so that a stream
/// ends after its `detached` event and every answer is whole.
@Suite(.timeLimit(.scaledMinutes(10)))
struct EventNegotiationTests {
    enum Answer: Sendable, Equatable { case json, stream, refused(Int) }

    @Test(
        arguments: [
            ("application/json, text/event-stream, application/problem+json", .json),
            ("text/event-stream, application/json", .json),
            ("application/json", .json),
            ("*/*", .json),
            ("application/*", .json),
            ("text/event-stream;q=0.5, application/json;q=0.5", .json),
            ("text/event-stream;q=0.9, application/json", .json),
            ("text/event-stream", .stream),
            ("TEXT/Event-Stream", .stream),
            ("text/*", .stream),
            ("text/event-stream, application/json;q=0.5", .stream),
            ("application/json;q=0, text/event-stream;q=0.1", .stream),
            ("*/*, application/json;q=0", .stream),
            ("*/*;q=0.5, text/event-stream", .stream),
            ("text/html", .refused(406)),
            ("application/json;q=0, text/event-stream;q=0", .refused(406)),
            ("*/*;q=0", .refused(406)),
            ("text/event-stream;q=2", .refused(400)),
            ("json", .refused(400)),
        ] as [(String, Answer)])
    func acceptChoosesTheAnswer(accept: String, expected: Answer) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4096)
        let consumer = try await tenant.attach(file)
        try await tenant.detach(consumer)

        let reply = try await tenant.client.get(consumer.path + "/events", headers: ["Accept": accept])

        switch expected {
        case .json:
            #expect(reply.status == 200)
            #expect(reply.contentType == "application/json")
            #expect(try reply.decoded(EventPage.self).events.last?.shape == "detached detach")
        case .stream:
            #expect(reply.status == 200)
            #expect(reply.contentType == "text/event-stream")
            #expect(reply.text.contains("event: detached\n"))
        case .refused(let status):
            #expect(reply.status == status)
            #expect(reply.problem?.detail.contains("Accept") == true, "\(reply.text)")
        }
        if reply.status == 200 {
            #expect(reply.header("Vary")?.contains("Accept") == true)
        }
    }
}
