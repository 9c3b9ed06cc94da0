import TestSupport
import Testing

@testable import HTTP

@Suite(.timeLimit(.scaledMinutes(10)))
struct ResponseTextTests {
    @Test(arguments: [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (4_102_444_799, "Thu, 31 Dec 2099 23:59:59 GMT"),
    ])
    func dateIsFormattedAsIMFFixdate(seconds: Int, expected: String) {
        #expect(String(decoding: DateCache.imfFixdate(secondsSinceEpoch: seconds), as: UTF8.self) == expected)
    }

    @Test func problemBodyIsRFC9457JSONWithEscapedDetail() {
        let response = ProblemResponse.make(.badRequest, .badRequest, detail: "bad \"quote\" \\ and \u{1}")
        guard case .bytes(let body) = response.body else {
            Issue.record("no body")
            return
        }
        #expect(
            String(decoding: body, as: UTF8.self)
                == #"{"type":"urn:gmemd:problem:bad-request","title":"Bad Request","status":400,"detail":"bad \"quote\" \\ and \u0001"}"#
        )
        #expect(response.headers["Content-Type"] == "application/problem+json")
    }

    @Test func pipelinedResponsesQueueIntoOneBufferWithDecimalLengths() {
        var output = OutputQueue()
        var context = ResponseContext(isHead: false, isHTTP10: false, keepAlive: true)
        let date = Array("D".utf8)
        _ = output.append(
            Response(status: .ok, body: .bytes(Array(repeating: 65, count: 1234))), context: &context,
            date: date)
        _ = output.append(Response(status: .noContent), context: &context, date: date)
        let text = String(decoding: output.staging, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nDate: D\r\n\r\nAAAA"))
        #expect(text.hasSuffix("HTTP/1.1 204 No Content\r\nDate: D\r\n\r\n"))
        #expect(output.pendingBytes == output.staging.count)
    }
}
