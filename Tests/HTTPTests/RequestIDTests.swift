import TestSupport
import Testing

@testable import HTTP

/// X-Request-Id: which client values are echoed, and what the server makes up instead.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RequestIDTests {
    @Test(arguments: ["a", "abc-123", "A.b_c-9", String(repeating: "x", count: 128)])
    func saneValueIsEchoed(value: String) {
        var value = value
        #expect(value.withUTF8 { RequestID.isSane(UnsafeRawBufferPointer($0)) })
    }

    @Test(arguments: [
        "", "has space", "a/b", "ünicode", "semi;colon", "quote\"", String(repeating: "x", count: 129),
    ])
    func insaneValueIsReplaced(value: String) {
        var value = value
        #expect(!value.withUTF8 { RequestID.isSane(UnsafeRawBufferPointer($0)) })
    }

    @Test func madeUpIdsArePrefixAndCounterAndNeverRepeat() {
        var generator = RequestIDGenerator()
        let ids = (0..<1000).map { _ in generator.next().description }

        #expect(Set(ids).count == ids.count)
        for id in ids {
            let parts = id.split(separator: "-")
            #expect(parts.count == 2 && parts[0].count == 8, "\(id)")
            #expect(
                id.utf8.allSatisfy {
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-")
                        || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
                })
        }
        #expect(ids[0].hasSuffix("-1"))
        #expect(ids[999].hasSuffix("-3e8"))
    }

    @Test(arguments: ["short", String(repeating: "y", count: 25), String(repeating: "z", count: 128)])
    func headerLineCarriesTheIdWhateverItsLength(value: String) {
        var output = OutputQueue()
        var context = ResponseContext(
            isHead: false, isHTTP10: false, keepAlive: true, requestID: RequestID(client: value))

        _ = output.append(Response(status: .noContent), context: &context, date: Array("D".utf8))

        #expect(String(decoding: output.staging, as: UTF8.self).contains("\r\nX-Request-Id: \(value)\r\n"))
    }

    @Test func handlersRequestIdFieldIsReplacedByTheServersOne() {
        var output = OutputQueue()
        var context = ResponseContext(
            isHead: false, isHTTP10: false, keepAlive: true, requestID: RequestID(client: "mine"))
        let response = Response(status: .noContent, headers: HTTPHeaders([("X-Request-Id", "forged")]))

        _ = output.append(response, context: &context, date: Array("D".utf8))

        let text = String(decoding: output.staging, as: UTF8.self)
        #expect(!text.contains("forged"))
        #expect(text.contains("X-Request-Id: mine\r\n"))
    }
}
