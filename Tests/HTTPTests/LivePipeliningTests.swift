import Glibc
import HTTP
import TestSupport
import Testing

/// Pipelined requests behind more output than `Connection.outputHighWater` (256 KiB): parsing
/// pauses while that much is queued, and must resume once it is written, however the write
/// drained (at once, or over several writable events).
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct LivePipeliningTests {
    static let big = 1 << 20

    /// `/n/{i}` answers about 600 bytes naming `i`, as `GET /v1/health` does; `/big` a 1 MiB
    /// body in memory, `/big-file` a 1 MiB file through sendfile, `/big-later` a 1 MiB body
    /// from off the loops.
    static func router() -> Router {
        var router = Router()
        router.add(
            .get, "/n/{i}",
            .onLoop { request in
                let name = "n \(request.pathParameters["i"] ?? "")"
                return text(name + String(repeating: ".", count: 600 - name.utf8.count))
            })
        router.add(.get, "/big", .onLoop { _ in text(String(repeating: "b", count: big)) })
        router.add(.get, "/big-later", .offLoop { _ in text(String(repeating: "l", count: big)) })
        router.add(
            .get, "/big-file",
            .onLoop { _ in
                let fd = LiveServerEdgeTests.temporaryFile(String(repeating: "f", count: big))
                return Response(
                    status: .ok, body: .file(FileRegion(fd: fd, offset: 0, length: Int64(big)) { close(fd) }))
            })
        return router
    }

    static func text(_ text: String) -> Response {
        Response(status: .ok, contentType: "text/plain", bytes: Array(text.utf8))
    }

    /// 1,000 requests in one write; the three big answers sit at 250, 500 and 750.
    @Test func thousandPipelinedRequestsWithMegabyteAnswersAmongThemAreAllAnsweredInOrder() async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        let bigOnes = [250: "/big", 500: "/big-file", 750: "/big-later"]
        let paths = (0..<1000).map { bigOnes[$0] ?? "/n/\($0)" }
        try client.send(paths.map { "GET \($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())

        for (index, path) in paths.enumerated() {
            let response = try await client.reply()
            #expect(response.status == 200, "request \(index)")
            switch path {
            case "/big": #expect(Array(response.body) == Array(repeating: UInt8(ascii: "b"), count: Self.big))
            case "/big-file":
                #expect(Array(response.body) == Array(repeating: UInt8(ascii: "f"), count: Self.big))
            case "/big-later":
                #expect(Array(response.body) == Array(repeating: UInt8(ascii: "l"), count: Self.big))
            default: #expect(response.text.hasPrefix("n \(index)."), "request \(index)")
            }
        }
        try await live.stop()
    }

    /// The issue's shape: a small request right behind a big answer waited for the idle timeout.
    @Test(arguments: ["/big", "/big-file", "/big-later"])
    func smallRequestBehindAMegabyteAnswerIsAnswered(big: String) async throws {
        let live = try LiveServer(Self.router())
        let client = try live.client()
        try client.send("GET \(big) HTTP/1.1\r\nHost: t\r\n\r\nGET /n/1 HTTP/1.1\r\nHost: t\r\n\r\n")

        #expect(try await client.reply().body.count == Self.big)
        #expect(try await client.reply().text.hasPrefix("n 1."))
        try await live.stop()
    }
}
