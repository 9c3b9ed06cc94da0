import TestSupport
import Testing

@testable import HTTP

/// All request bodies in flight share one memory budget (`bodyMemoryBytes`): a body that does
/// not fit beside the others is 503 with `Retry-After`, its rest unread, and the bytes come back
/// once the requests holding them are answered.
@Suite(.timeLimit(.scaledMinutes(10)))
struct BodyBudgetTests {
    static let kib = 1024

    static func router() -> Router {
        var router = Router()
        // A job on a worker, as every route that reads a body: only there is a gzip body inflated.
        router.add(
            .post, "/echo",
            .staged { _ in
                .work(owner: "client") { request, reply in
                    reply.send(
                        Response(
                            status: .ok, contentType: "text/plain", bytes: Array("\(request.body.count)".utf8)
                        ))
                }
            })
        return router
    }

    /// A 1 MiB budget, which a request with `Authorization: admin` may pass. The holder's body
    /// waits on purpose while the other steps run, which on a loaded machine took past the
    /// 30 s body timeout: its bound here is the suite's.
    static func budgeted() throws -> LiveServer {
        try LiveServer(router()) {
            $0.maxBodyBytes = 1024 * kib
            $0.bodyMemoryBytes = 1024 * kib
            $0.bodyTimeout = .seconds(600).scaled
            $0.reserveJudge = { $0.headers["Authorization"] == "admin" }
        }
    }

    /// A client whose 768 KiB body was admitted (its `100 Continue` says so) and has not come.
    static func holder(_ live: LiveServer) async throws -> RawConnection {
        let client = try live.client()
        try client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: \(768 * kib)\r\n\r\n")
        #expect(try await client.reply(keepingInterim: true).status == 100)
        return client
    }

    /// Waits until no body holds bytes of the budget. A body's bytes come back when its request
    /// is let go, on the worker just after it sent the answer: a client that reads the answer can
    /// be quicker than that (a preempted worker), and its next body still find them held.
    static func untilBodiesAreLetGo(_ live: LiveServer) async throws {
        try await until("the answered bodies' bytes to come back") { live.server.load.bodyBytes == 0 }
    }

    @Test func aBodyThatDoesNotFitBesideOneInFlightIs503WithRetryAfterAndFitsOnceThatOneIsAnswered()
        async throws
    {
        let live = try Self.budgeted()
        let holder = try await Self.holder(live)

        let refused = try live.client()
        try refused.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(512 * Self.kib)\r\n\r\n")
        let refusal = try await refused.reply()
        try holder.send([UInt8](repeating: 0x61, count: 768 * Self.kib))
        let held = try await holder.reply()
        try await Self.untilBodiesAreLetGo(live)
        let later = try live.client()
        try later.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: \(512 * Self.kib)\r\n\r\n")
        try later.send([UInt8](repeating: 0x62, count: 512 * Self.kib))
        let admitted = try await later.reply()

        #expect(refusal.status == 503)
        #expect(refusal.header("Retry-After") == "1")
        #expect(refusal.header("Content-Type") == "application/problem+json")
        #expect(refusal.text.contains("urn:gmemd:problem:overloaded"))
        #expect(try await refused.closing().isEmpty)
        #expect(held.text == "\(768 * Self.kib)")
        #expect(admitted.text == "\(512 * Self.kib)")
        #expect(live.server.load.bodyRefusals == 1)
        try await live.stop()
    }

    @Test func theAdminsBodyIsAdmittedPastAFullBudget() async throws {
        let live = try Self.budgeted()
        let holder = try await Self.holder(live)

        let admin = try live.client()
        try admin.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nAuthorization: admin\r\nContent-Length: \(512 * Self.kib)\r\n\r\n"
        )
        try admin.send([UInt8](repeating: 0x61, count: 512 * Self.kib))
        let reply = try await admin.reply()

        #expect(reply.text == "\(512 * Self.kib)")
        #expect(live.server.load.bodyRefusals == 0)
        _ = holder
        try await live.stop()
    }

    @Test func aChunkedBodyIsRefusedOnceItsChunksPassWhatIsLeft() async throws {
        let live = try Self.budgeted()
        let holder = try await Self.holder(live)

        let chunked = try live.client()
        try chunked.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        try chunked.send("40000\r\n" + String(repeating: "c", count: 256 * Self.kib) + "\r\n")
        try chunked.send("40000\r\n")
        let refusal = try await chunked.reply()

        #expect(refusal.status == 503)
        #expect(refusal.header("Retry-After") == "1")
        _ = holder
        try await live.stop()
    }

    /// The output of a gzip body counts too: 16 KiB that inflate to 512 KiB do not fit beside
    /// 768 KiB in flight, and do once those are answered.
    @Test func aGzipBodyWhoseInflatedOutputDoesNotFitIs503() async throws {
        let live = try Self.budgeted()
        let holder = try await Self.holder(live)
        let coded = try #require(Gzip.compress([UInt8](repeating: 0, count: 512 * Self.kib), level: 9))
        let head =
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(coded.count)\r\n\r\n"

        let bomb = try live.client()
        try bomb.send(head)
        try bomb.send(coded)
        let refusal = try await bomb.reply()
        try holder.send([UInt8](repeating: 0x61, count: 768 * Self.kib))
        _ = try await holder.reply()
        try await Self.untilBodiesAreLetGo(live)
        let again = try live.client()
        try again.send(head)
        try again.send(coded)
        let admitted = try await again.reply()

        #expect(refusal.status == 503)
        #expect(refusal.header("Retry-After") == "1")
        #expect(admitted.text == "\(512 * Self.kib)")
        try await live.stop()
    }
}
