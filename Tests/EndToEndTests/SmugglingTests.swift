import TestSupport
import Testing

/// Requests whose framing two parsers could read differently (design.md §4, RFC 9112 §6.3,
/// §11.2): each is refused with 400, and the connection is closed because nothing after it can
/// be trusted.
@Suite(.timeLimit(.scaledMinutes(10)))
struct SmugglingTests {
    struct Shape: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var request: String
    }

    static let shapes: [Shape] = [
        Shape(
            testDescription: "Content-Length with Transfer-Encoding",
            request: Requests.post(
                fields: ["Content-Length: 5", "Transfer-Encoding: chunked"], body: "0\r\n\r\n")),
        Shape(
            testDescription: "two different Content-Lengths",
            request: Requests.post(fields: ["Content-Length: 5", "Content-Length: 6"], body: "hello!")),
        Shape(
            testDescription: "a repeated Content-Length",
            request: Requests.post(fields: ["Content-Length: 5", "Content-Length: 5"], body: "hello")),
        Shape(
            testDescription: "a Content-Length list",
            request: Requests.post(fields: ["Content-Length: 5, 5"], body: "hello")),
        Shape(
            testDescription: "Transfer-Encoding other than chunked",
            request: Requests.post(fields: ["Transfer-Encoding: gzip"], body: "hello")),
        Shape(
            testDescription: "chunked not last in Transfer-Encoding",
            request: Requests.post(fields: ["Transfer-Encoding: chunked, gzip"], body: "0\r\n\r\n")),
        Shape(
            testDescription: "a bare LF ending a header line",
            request: "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\nX-A: b\r\n\r\n"),
        Shape(
            testDescription: "bare LF line endings throughout",
            request: "GET /v1/health HTTP/1.1\nHost: 127.0.0.1\n\n"),
        Shape(
            testDescription: "a bare CR inside a header value",
            request: "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\rc\r\n\r\n"),
        Shape(
            testDescription: "an obs-fold continuation line",
            request: "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\r\n c\r\n\r\n"),
        Shape(
            testDescription: "whitespace between a field name and its colon",
            request: Requests.post(fields: ["Content-Length : 5"], body: "hello")),
        Shape(
            testDescription: "a control byte in a header value",
            request: "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: b\u{01}c\r\n\r\n"),
        Shape(
            testDescription: "a delimiter in a header name",
            request: "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX(A): b\r\n\r\n"),
        Shape(
            testDescription: "a chunk size that is not hexadecimal",
            request: Requests.post(fields: ["Transfer-Encoding: chunked"], body: "zz\r\nhello\r\n0\r\n\r\n")),
    ]

    @Test(arguments: shapes)
    func smugglingShapeIs400AndClosesTheConnection(shape: Shape) async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(shape.request + Requests.get())

        let reply = try connection.readReply()
        #expect(reply.status == 400)
        #expect(reply.problem?.status == 400, "body: \(reply.text)")
        let after = try connection.readUntilClosed()
        #expect(after.isEmpty, "the pipelined GET was answered: \(RawConnection.show(after))")
    }
}
