import HTTP
import Testing

/// The server over real sockets: a test router, raw HTTP/1.1 from a blocking client.
/// Serialized: each test blocks a thread on its socket reads.
@Suite(.serialized)
struct LiveServerTests {
    static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        Response(status: status, contentType: "text/plain", bytes: Array(text.utf8))
    }

    static func router(gate: Gate = Gate()) -> Router {
        var router = Router()
        router.add(.get, "/hello", .onLoop { _ in text("hello") })
        router.add(.post, "/echo", .onLoop { request in text(String(decoding: request.body, as: UTF8.self)) })
        router.add(
            .get, "/files/{id}", .onLoop { request in text("file \(request.pathParameters["id"] ?? "")") })
        router.add(
            .get, "/slow",
            .offLoop { _ in
                await gate.wait()
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
            client.send("GET /files/\(id) HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "file \(id)")
            #expect(response.header("Content-Length") == "\("file \(id)".utf8.count)")
            #expect(response.header("Date")?.hasSuffix(" GMT") == true)
            #expect(response.header("Connection") == nil)
        }
        await live.stop()
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWhileOthersAreServed() async throws {
        let gate = Gate()
        let live = try LiveServer(Self.router(gate: gate))
        let pipelining = try live.client()
        pipelining.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        // While /slow waits off the loops, another client is served by the same loops.
        let other = try live.client()
        other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await other.readResponse().text == "hello")
        gate.open()
        #expect(try await pipelining.readResponse().text == "slow")
        #expect(try await pipelining.readResponse().text == "hello")
        await live.stop()
    }

    @Test func slowClientDoesNotStallAnother() async throws {
        let live = try LiveServer(Self.router()) { $0.threads = 1 }
        let slow = try live.client()
        slow.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-")
        let fast = try live.client()
        fast.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await fast.readResponse().text == "hello")
        slow.send("Length: 4\r\n\r\nab")
        fast.send("GET /files/x HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await fast.readResponse().text == "file x")
        slow.send("cd")
        #expect(try await slow.readResponse().text == "abcd")
        await live.stop()
    }

    @Test func expectContinueIsAnsweredBeforeTheBodyIsSent() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        #expect(try await client.readResponse().status == 100)
        client.send("12345")
        #expect(try await client.readResponse().text == "12345")
        await live.stop()
    }

    @Test func expectContinueWithATooLargeBodyGets413AndTheConnectionCloses() async throws {
        let live = try LiveServer(Self.router()) { $0.maxBodyBytes = 4 }
        let client = try live.client()
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 413)
        #expect(response.header("Connection") == "close")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect((await client.isClosedByServer()))
        await live.stop()
    }

    @Test func streamedBodyArrivesChunkedAndTheConnectionStaysUsable() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.header("Content-Length") == nil)
        #expect(response.text == "abbccc")
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.readResponse().text == "hello")
        await live.stop()
    }

    @Test func streamedBodyToAnHTTP10ClientEndsWithTheConnection() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        client.send("GET /stream HTTP/1.0\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.header("Transfer-Encoding") == nil)
        #expect(response.header("Connection") == "close")
        #expect(response.text == "abbccc")
        await live.stop()
    }

    @Test func headAnswerHasTheLengthOfGetButNoBody() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = try await client.readResponse(isHead: true)
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "5")
        // Had a body followed the HEAD answer, this would read it as a status line.
        #expect(try await client.readResponse().text == "hello")
        await live.stop()
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\nDELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let missing = try await client.readResponse()
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type") == "application/problem+json")
        #expect(
            missing.text.hasPrefix(
                #"{"type":"urn:gmemd:problem:not-found","title":"Not Found","status":404,"detail":"#))
        let wrongMethod = try await client.readResponse()
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "GET, HEAD")
        await live.stop()
    }

    @Test func smugglingShapeIsAnswered400AndTheConnectionCloses() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 400)
        #expect(response.header("Connection") == "close")
        #expect((await client.isClosedByServer()))
        await live.stop()
    }

    @Test func clientThatDribblesItsHeadGets408AndIsClosed() async throws {
        let live = try LiveServer(Self.router()) { $0.headerTimeout = .milliseconds(100) }
        let client = try live.client()
        client.send("GET /hello HTTP/1.1\r\nHo")
        let response = try await client.readResponse()
        #expect(response.status == 408)
        #expect((await client.isClosedByServer()))
        await live.stop()
    }

    @Test func http10ConnectionClosesUnlessItAsksForKeepAlive() async throws {
        let live = try LiveServer(Self.router())
        let keeping = try live.client()
        keeping.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try await keeping.readResponse().header("Connection") == "keep-alive")
        keeping.send("GET /hello HTTP/1.0\r\n\r\n")
        let last = try await keeping.readResponse()
        #expect(last.header("Connection") == "close")
        #expect((await keeping.isClosedByServer()))
        await live.stop()
    }

    @Test func connectionsOverTheLimitAreClosedAtOnce() async throws {
        let live = try LiveServer(Self.router()) { $0.maxConnections = 1 }
        let first = try live.client()
        first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await first.readResponse().status == 200)
        let second = try live.client()
        #expect((await second.isClosedByServer()))
        await live.stop()
    }

    @Test func shutdownClosesIdleConnectionsAndRunReturns() async throws {
        let live = try LiveServer(Self.router())
        let idle = try live.client()
        idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try await idle.readResponse()
        await live.stop()
        #expect((await idle.isClosedByServer()))
    }

    @Test func shutdownLetsTheRequestInFlightFinishWithConnectionClose() async throws {
        let gate = Gate()
        let live = try LiveServer(Self.router(gate: gate))
        let client = try live.client()
        client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        // A request on another connection proves the first one's request has been read by now
        // or is being read; its loop keeps it open for the answer.
        let other = try live.client()
        other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = try await other.readResponse()
        live.server.shutdown()
        gate.open()
        let response = try await client.readResponse()
        #expect(response.text == "slow")
        #expect(response.header("Connection") == "close")
        await live.waitUntilStopped()
    }
}
