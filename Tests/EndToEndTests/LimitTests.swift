import TestSupport
import Testing

/// Requests past the size limits get the status that names the limit (design.md §3), from an
/// instance whose limits are small enough to cross cheaply.
@Suite(.timeLimit(.scaledMinutes(10)))
struct LimitTests {
    static let small = SharedGmemd(flags: [
        "--max-request-line-bytes", "1024", "--max-header-bytes", "2048", "--max-body-bytes", "4096",
    ])

    struct Oversize: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var request: String
        var status: Int
    }

    static let oversizes: [Oversize] = [
        Oversize(
            testDescription: "a 2 KB request line over a 1 KB limit",
            request: Requests.get("/v1/" + String(repeating: "a", count: 2000)), status: 414),
        Oversize(
            testDescription: "4 KB of header fields over a 2 KB limit",
            request: Requests.post(
                fields: (0..<40).map { "X-Fill-\($0): " + String(repeating: "v", count: 100) }),
            status: 431),
        // Refused from the head alone: no body byte is sent.
        Oversize(
            testDescription: "a Content-Length of 5000 over a 4096 limit",
            request: Requests.post(fields: ["Content-Length: 5000"]), status: 413),
        Oversize(
            testDescription: "chunks adding up to 6 KB over a 4 KB limit",
            request: Requests.post(
                fields: ["Transfer-Encoding: chunked"],
                body: String(repeating: "800\r\n" + String(repeating: "c", count: 0x800) + "\r\n", count: 3)
                    + "0\r\n\r\n"),
            status: 413),
    ]

    @Test(arguments: oversizes)
    func requestOverALimitGetsTheStatusNamingIt(oversize: Oversize) async throws {
        let gmemd = try await Self.small.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(oversize.request)

        let reply = try connection.readReply()
        #expect(reply.status == oversize.status)
        #expect(reply.problem?.status == oversize.status, "body: \(reply.text)")
    }

    @Test(arguments: ["HTTP/2.0", "HTTP/3.0"])
    func requestLineWithAnHTTPVersionOtherThan1Is505(version: String) async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send("GET /v1/health \(version)\r\nHost: 127.0.0.1\r\n\r\n")

        let reply = try connection.readReply()
        #expect(reply.status == 505)
        #expect(reply.problem?.status == 505, "body: \(reply.text)")
    }
}
