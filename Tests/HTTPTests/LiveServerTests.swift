import HTTP
import TestSupport
import Testing

/// The server over real sockets: a test router, raw HTTP/1.1 from a blocking client.
/// Serialized: each test blocks a thread on its socket reads.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct LiveServerTests {
    static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, contentType: "text/plain", bytes: Array(text.utf8))
    }

    /// `/slow` opens `started` once its handler runs, then waits for `gate`.
    static func router(gate: Gate = Gate(), started: Gate = Gate()) -> Router {
        var router = Router()
        router.add(.get, "/hello", .onLoop { _ in text("hello") })
        router.add(.post, "/echo", .onLoop { request in text(String(decoding: request.body, as: UTF8.self)) })
        router.add(
            .get, "/files/{id}", .onLoop { request in text("file \(request.pathParameters["id"] ?? "")") })
        router.add(
            .get, "/slow",
            .offLoop { _ in
                started.open()
                // Bounded, so a test that never opens the gate fails instead of holding the server.
                try? await gate.opened(within: LiveServer.readTimeout, "the test to open the gate")
                return text("slow")
            })
        router.add(
            .get, "/stream",
            .onLoop { _ in
                Response(
                    status: .ok,
                    body: .stream { writer in
                        for part in ["a", "bb", "ccc"] {
                            guard await writer.write(Array(part.utf8)) else { return }
                        }
                    })
            })
        return router
    }

    @Test func keepAliveConnectionServesRequestsOneAfterAnother() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        for id in ["a", "b", "c"] {
            try client.send("GET /files/\(id) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try await client.reply()
            #expect(response.status == 200)
            #expect(response.text == "file \(id)")
            #expect(response.header("Content-Length") == "\("file \(id)".utf8.count)")
            #expect(response.header("Date")?.hasSuffix(" GMT") == true)
            #expect(response.header("Connection") == nil)
        }
        try await live.stop()
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWhileOthersAreServed() async throws {
        let gate = Gate()
        let live = try LiveServer(Self.router(gate: gate))
        let pipelining = try live.client()
        try pipelining.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        // While /slow waits off the loops, another client is served by the same loops.
        let other = try live.client()
        try other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await other.reply().text == "hello")
        gate.open()
        #expect(try await pipelining.reply().text == "slow")
        #expect(try await pipelining.reply().text == "hello")
        try await live.stop()
    }

    @Test func slowClientDoesNotStallAnother() async throws {
        let live = try LiveServer(Self.router()) { $0.threads = 1 }
        let slow = try live.client()
        try slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-")
        let fast = try live.client()
        try fast.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await fast.reply().text == "hello")
        try slow.send("Length: 4\r\n\r\nab")
        try fast.send("GET /files/x HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await fast.reply().text == "file x")
        try slow.send("cd")
        #expect(try await slow.reply().text == "abcd")
        try await live.stop()
    }

    @Test func expectContinueIsAnsweredBeforeTheBodyIsSent() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        #expect(try await client.reply(keepingInterim: true).status == 100)
        try client.send("12345")
        #expect(try await client.reply().text == "12345")
        try await live.stop()
    }

    @Test func expectContinueWithATooLargeBodyGets413AndTheConnectionCloses() async throws {
        let live = try LiveServer(Self.router()) { $0.maxBodyBytes = 4 }
        let client = try live.client()
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        let response = try await client.reply()
        #expect(response.status == 413)
        #expect(response.header("Connection") == "close")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(try await client.closing().isEmpty)
        try await live.stop()
    }

    @Test func streamedBodyArrivesChunkedAndTheConnectionStaysUsable() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try await client.reply()
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.header("Content-Length") == nil)
        #expect(response.text == "abbccc")
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.reply().text == "hello")
        try await live.stop()
    }

    @Test func streamedBodyToAnHTTP10ClientEndsWithTheConnection() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send("GET /stream HTTP/1.0\r\n\r\n")
        let response = try await client.reply()
        #expect(response.header("Transfer-Encoding") == nil)
        #expect(response.header("Connection") == "close")
        #expect(response.text == "abbccc")
        try await live.stop()
    }

    @Test func headAnswerHasTheLengthOfGetButNoBody() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try await client.reply(toHEAD: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "5")
        // Had a body followed the HEAD answer, this would read it as a status line.
        #expect(try await client.reply().text == "hello")
        try await live.stop()
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\nDELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let missing = try await client.reply()
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type") == "application/problem+json")
        #expect(
            missing.text.hasPrefix(
                #"{"type":"urn:gmemd:problem:not-found","title":"Not Found","status":404,"detail":"#))
        let wrongMethod = try await client.reply()
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "GET, HEAD")
        try await live.stop()
    }

    @Test func smugglingShapeIsAnswered400AndTheConnectionCloses() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try await client.reply()
        #expect(response.status == 400)
        #expect(response.header("Connection") == "close")
        #expect(try await client.closing().isEmpty)
        try await live.stop()
    }

    @Test func clientThatDribblesItsHeadGets408AndIsClosed() async throws {
        let live = try LiveServer(Self.router()) { $0.headerTimeout = .milliseconds(100) }
        let client = try live.client()
        try client.send("GET /hello HTTP/1.1\r\nHo")
        let response = try await client.reply()
        #expect(response.status == 408)
        #expect(try await client.closing().isEmpty)
        try await live.stop()
    }

    @Test func http10ConnectionClosesUnlessItAsksForKeepAlive() async throws {
        let live = try LiveServer(Self.router())
        let keeping = try live.client()
        try keeping.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try await keeping.reply().header("Connection") == "keep-alive")
        try keeping.send("GET /hello HTTP/1.0\r\n\r\n")
        let last = try await keeping.reply()
        #expect(last.header("Connection") == "close")
        #expect(try await keeping.closing().isEmpty)
        try await live.stop()
    }

    @Test func connectionsOverTheLimitAreClosedAtOnce() async throws {
        let live = try LiveServer(Self.router()) { $0.maxConnections = 1 }
        let first = try live.client()
        try first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await first.reply().status == 200)
        let second = try live.client()
        #expect(try await second.closing().isEmpty)
        try await live.stop()
    }

    @Test func shutdownClosesIdleConnectionsAndRunReturns() async throws {
        let live = try LiveServer(Self.router())
        let idle = try live.client()
        try idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try await idle.reply()
        try await live.stop()
        #expect(try await idle.closing().isEmpty)
    }

    @Test func shutdownLetsTheRequestInFlightFinishWithConnectionClose() async throws {
        let (gate, started) = (Gate(), Gate())
        let live = try LiveServer(Self.router(gate: gate, started: started))
        let client = try live.client()
        try client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        // The request is read and its handler runs: the shutdown finds it in flight.
        try await started.opened(within: LiveServer.readTimeout, "the /slow handler to start")
        live.server.shutdown()
        gate.open()
        let response = try await client.reply()
        #expect(response.text == "slow")
        #expect(response.header("Connection") == "close")
        try await live.waitUntilStopped()
    }
}
