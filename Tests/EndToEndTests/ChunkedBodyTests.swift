import TestSupport
import Testing

/// A chunked request body (RFC 9112 §7.1) is read to its end, so the connection stays usable.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ChunkedBodyTests {
    static let bodies: [(String, String)] = [
        ("one chunk", "5\r\nhello\r\n0\r\n\r\n"),
        ("several chunks", "2\r\nhe\r\n3\r\nllo\r\nA\r\n0123456789\r\n0\r\n\r\n"),
        ("chunk extensions", "5;name=value\r\nhello\r\n0;last\r\n\r\n"),
        ("trailer fields", "5\r\nhello\r\n0\r\nX-Checksum: 1234\r\nX-Other: y\r\n\r\n"),
        ("no chunks at all", "0\r\n\r\n"),
    ]

    @Test(arguments: bodies)
    func chunkedPostToHealthIs405AndTheConnectionStaysUsable(shape: String, body: String) async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(Requests.post(fields: ["Transfer-Encoding: chunked"], body: body))
        let refused = try connection.readReply()
        try connection.send(Requests.get())
        let next = try connection.readReply()

        #expect(refused.status == 405)
        #expect(refused.problem?.status == 405)
        #expect(next.status == 200)
        #expect(next.json?["status"] as? String == "ok")
    }
}
