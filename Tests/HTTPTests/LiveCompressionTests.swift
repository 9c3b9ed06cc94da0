import Foundation
import HTTP
import Locking
import TestSupport
import Testing

@testable import HTTP

/// gzip over real sockets: which responses are coded, that they decode to the same bytes, and
/// request bodies in gzip.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct LiveCompressionTests {
    static let text = Array(String(repeating: "gmemd compresses text well; ", count: 200).utf8)
    static let large = (0..<(300 * 1024)).map { UInt8(truncatingIfNeeded: $0 % 251 < 200 ? 0 : $0) }

    static func router(file: String? = nil) -> Router {
        var router = Router()
        router.add(
            .get, "/text", .onLoop { _ in Response(status: .ok, contentType: "text/plain", bytes: text) })
        router.add(
            .get, "/large",
            .onLoop { _ in Response(status: .ok, contentType: "application/octet-stream", bytes: large) })
        router.add(
            .get, "/small",
            .onLoop { _ in Response(status: .ok, contentType: "text/plain", bytes: Array("tiny".utf8)) })
        router.add(
            .get, "/part",
            .onLoop { _ in
                var headers = HTTPHeaders([("Content-Range", "bytes 0-4999/5600")])
                headers.add("Content-Type", "text/plain")
                return Response(
                    status: .partialContent, headers: headers, body: .bytes(Array(text.prefix(5000))))
            })
        router.add(
            .post, "/echo",
            .staged { _ in
                .work(owner: "client") { request, reply in
                    reply.send(Response(status: .ok, contentType: "text/plain", bytes: request.body))
                }
            })
        if let file {
            router.add(
                .get, "/file",
                .onLoop { _ in
                    let fd = open(file, O_RDONLY | O_CLOEXEC)
                    let region = FileRegion(fd: fd, offset: 0, length: Int64(large.count)) { close(fd) }
                    return Response(status: .ok, body: .file(region))
                })
        }
        return router
    }

    static func get(_ path: String, _ client: RawConnection, gzip: Bool = true) async throws -> HTTPReply {
        try client.send("GET \(path) HTTP/1.1\r\nHost: t\r\n\(gzip ? "Accept-Encoding: gzip\r\n" : "")\r\n")
        return try await client.reply()
    }

    @Test(arguments: ["/text", "/large"])
    func bodyIsGzipCodedForAClientThatTakesItAndDecodesToTheSameBytes(path: String) async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()

        let coded = try await Self.get(path, client)
        let plain = try await Self.get(path, client, gzip: false)

        #expect(coded.header("Content-Encoding") == "gzip")
        #expect(coded.header("Vary") == "Accept-Encoding")
        #expect(plain.header("Content-Encoding") == nil)
        #expect(plain.header("Vary") == "Accept-Encoding")
        #expect(coded.body.count < plain.body.count)
        #expect(try Gzip.inflate(Array(coded.body), limit: 1 << 24) == Array(plain.body))
        try await live.stop()
    }

    @Test func fileBodyIsCompressedInChunksAndReleasedOnce() async throws {
        let path = FileManager.default.temporaryDirectory.appending(path: "gmemd-gzip-\(UUID())").path
        try Data(Self.large).write(to: URL(filePath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let live = try LiveServer(Self.router(file: path))
        let client = try live.client()

        let coded = try await Self.get("/file", client)

        #expect(coded.header("Content-Encoding") == "gzip")
        #expect(coded.header("Transfer-Encoding") == "chunked")
        #expect(try Gzip.inflate(Array(coded.body), limit: 1 << 24) == Self.large)
        // The connection is still usable after the chunked body.
        #expect(try await Self.get("/small", client).text == "tiny")
        try await live.stop()
    }

    @Test(arguments: ["/small", "/part"])
    func smallBodiesAndPartsAreSentAsTheyAre(path: String) async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()

        let response = try await Self.get(path, client)

        #expect(response.header("Content-Encoding") == nil)
        #expect(response.header("Vary") == nil)
        try await live.stop()
    }

    @Test func headOfACodedBodySaysGzipAndSendsNothing() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send("HEAD /text HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n\r\n")
        let head = try await client.reply(toHEAD: true)
        #expect(head.header("Content-Encoding") == "gzip")
        // Had a body followed, this would read it as a status line.
        #expect(try await Self.get("/small", client).text == "tiny")
        try await live.stop()
    }

    @Test func gzipRequestBodyReachesTheHandlerDecoded() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        let body = try #require(Gzip.compress(Self.text, level: 6))

        try client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(body.count)\r\n\r\n"
        )
        try client.send(body)

        let response = try await client.reply()
        #expect(response.status == 200)
        #expect(Array(response.body) == Self.text)
        try await live.stop()
    }

    @Test func gzipRequestBodyThatInflatesPastTheLimitIs413() async throws {
        let live = try LiveServer(Self.router()) { $0.maxBodyBytes = 1 << 20 }
        let client = try live.client()
        let bomb = try #require(Gzip.compress([UInt8](repeating: 0, count: 16 << 20), level: 9))
        #expect(bomb.count < 1 << 20, "the bomb itself is under the limit")

        try client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n"
        )
        try client.send(bomb)

        let response = try await client.reply()
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/problem+json")
        try await live.stop()
    }

    @Test func requestBodyInAnUnservedCodingIs415NamingGzip() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\nab")

        let response = try await client.reply()
        #expect(response.status == 415)
        #expect(response.header("Accept-Encoding") == "gzip")
        try await live.stop()
    }
}

/// The observer: one report per answered request, with the route pattern, never the path.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct ObserverTests {
    @Test func eachRequestIsReportedOnceWithItsPatternStatusBytesAndId() async throws {
        let seen = PthreadMutex<[CompletedRequest]>([])
        let live = try LiveServer(LiveServerTests.router()) { configuration in
            configuration.requestObserver = { request in seen.withLock { $0.append(request) } }
        }
        let client = try live.client()
        try client.send("GET /files/abc HTTP/1.1\r\nHost: t\r\nX-Request-Id: mine-1\r\n\r\n")
        let first = try await client.reply()
        try client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\nX-Request-Id: bad id\r\n\r\n")
        let second = try await client.reply()
        try client.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n")
        let third = try await client.reply()
        try await live.stop()

        let reports = seen.withLock { $0 }
        try #require(reports.count == 3)
        #expect(reports[0].route == "/files/{id}")
        #expect(reports[0].status == 200)
        #expect(reports[0].bodyBytes == first.body.count)
        #expect(reports[0].requestID.description == "mine-1")
        #expect(first.header("X-Request-Id") == "mine-1")
        #expect(reports[1].route == nil)
        #expect(reports[1].status == 404)
        #expect(second.header("X-Request-Id") == reports[1].requestID.description)
        #expect(second.header("X-Request-Id") != "bad id")
        #expect(reports[2].route == "/stream")
        #expect(reports[2].bodyBytes == third.body.count)
        #expect(reports.allSatisfy { $0.method == .get })
    }
}
