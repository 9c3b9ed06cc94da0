import HTTP
import TestSupport
import Testing

/// Requests the parser must refuse, with the status and whatever way the bytes arrive.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RequestParserRefusalTests {
    static let host = "Host: a\r\n"

    /// Smuggling shapes and malformed framing: 400 (RFC 9112 §2.2, §5, §6).
    static let badRequests: [(String, String)] = [
        ("CL with TE", "POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
        ("TE with CL", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"),
        ("repeated CL", "POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
        ("conflicting CL", "POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"),
        ("CL list", "POST / HTTP/1.1\r\n\(host)Content-Length: 3, 3\r\n\r\nabc"),
        ("signed CL", "POST / HTTP/1.1\r\n\(host)Content-Length: +3\r\n\r\nabc"),
        ("empty CL", "POST / HTTP/1.1\r\n\(host)Content-Length: \r\n\r\n"),
        ("overflowing CL", "POST / HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999999\r\n\r\n"),
        ("TE gzip", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n"),
        ("TE list", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n"),
        (
            "repeated TE",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
        ),
        ("TE in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        ("bare LF ending the request line", "GET / HTTP/1.1\n\(host)\r\n"),
        ("bare LF ending a field", "GET / HTTP/1.1\r\nHost: a\n\r\n"),
        ("bare LF as the empty line", "GET / HTTP/1.1\r\n\(host)\n"),
        ("bare LF before the request", "\nGET / HTTP/1.1\r\n\(host)\r\n"),
        ("bare CR in a field value", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
        ("bare CR in the request line", "GET /\r HTTP/1.1\r\n\(host)\r\n"),
        ("bare CR before the request", "\rGET / HTTP/1.1\r\n\(host)\r\n"),
        ("obs-fold", "GET / HTTP/1.1\r\n\(host)X: b\r\n c\r\n\r\n"),
        ("whitespace before the first field", "GET / HTTP/1.1\r\n X: b\r\n\(host)\r\n"),
        ("space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
        ("tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"),
        ("invalid name byte", "GET / HTTP/1.1\r\n\(host)X(y): b\r\n\r\n"),
        ("empty field name", "GET / HTTP/1.1\r\n\(host): b\r\n\r\n"),
        ("field without colon", "GET / HTTP/1.1\r\n\(host)Xy\r\n\r\n"),
        ("NUL in a value", "GET / HTTP/1.1\r\n\(host)X: a\u{0}b\r\n\r\n"),
        ("control in a value", "GET / HTTP/1.1\r\n\(host)X: a\u{1}b\r\n\r\n"),
        ("DEL in a value", "GET / HTTP/1.1\r\n\(host)X: a\u{7F}b\r\n\r\n"),
        ("missing Host in 1.1", "GET / HTTP/1.1\r\n\r\n"),
        ("repeated Host", "GET / HTTP/1.1\r\n\(host)\(host)\r\n"),
        ("repeated Authorization", "GET / HTTP/1.1\r\n\(host)Authorization: a\r\nauthorization: b\r\n\r\n"),
        ("bad chunk size", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\n"),
        ("empty chunk size", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n\r\n"),
        (
            "chunk size overflow",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n"
        ),
        ("negative chunk size", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n-1\r\n"),
        (
            "chunk longer than its size",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n"
        ),
        (
            "bare LF after chunk size",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n"
        ),
        (
            "bare CR in chunk extension",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3;a\rb\r\nabc\r\n"
        ),
        (
            "junk after chunk size",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n"
        ),
        (
            "bare LF in trailers",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nT: 1\n\r\n"
        ),
        (
            "obs-fold in trailers",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n 2\r\n\r\n"
        ),
        ("two spaces in the request line", "GET  / HTTP/1.1\r\n\(host)\r\n"),
        ("no version", "GET /\r\n\(host)\r\n"),
        ("trailing space after the version", "GET / HTTP/1.1 \r\n\(host)\r\n"),
        ("lowercase version", "GET / http/1.1\r\n\(host)\r\n"),
        ("invalid method byte", "G(T / HTTP/1.1\r\n\(host)\r\n"),
        ("non-ASCII target", "GET /\u{E9} HTTP/1.1\r\n\(host)\r\n"),
        ("authority-form target", "GET example.com:80 HTTP/1.1\r\n\(host)\r\n"),
        ("asterisk target for GET", "GET * HTTP/1.1\r\n\(host)\r\n"),
    ]

    @Test(arguments: badRequests.indices, Feeding.allCases)
    func malformedOrSmugglingRequestIsRefusedWith400(index: Int, feeding: Feeding) {
        let (name, text) = Self.badRequests[index]
        #expect(parse(text, feeding: feeding).last == .reject(400), "\(name)")
    }

    @Test(arguments: ["HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/3.1"], Feeding.allCases)
    func versionOtherThan10Or11IsRefusedWith505(version: String, feeding: Feeding) {
        #expect(parse("GET / \(version)\r\n\(Self.host)\r\n", feeding: feeding) == [.reject(505)])
    }

    static let small = ParserLimits(maxRequestLineBytes: 32, maxHeaderBytes: 64, maxBodyBytes: 16)

    static let overLimits: [(String, String, Int)] = [
        ("long request line", "GET /\(String(repeating: "a", count: 40)) HTTP/1.1\r\n\(host)\r\n", 414),
        ("long request line without its end", "GET /\(String(repeating: "a", count: 40))", 414),
        (
            "large header section",
            "GET / HTTP/1.1\r\n\(host)X: \(String(repeating: "b", count: 70))\r\n\r\n", 431
        ),
        (
            "many fields without an end",
            "GET / HTTP/1.1\r\n\(host)" + String(repeating: "X: 1\r\n", count: 12), 431
        ),
        // Refused for their length whole or split alike, though the LF that ends them is bare.
        ("long request line ended by a bare LF", "GET /\(String(repeating: "a", count: 40)) HTTP/1.1\n", 414),
        (
            "large header section ended by a bare LF",
            "GET / HTTP/1.1\r\n\(host)X: \(String(repeating: "b", count: 70))\n", 431
        ),
        (
            "large trailers ended by a bare LF",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nT: \(String(repeating: "t", count: 70))\n",
            431
        ),
        ("large Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length: 17\r\n\r\n", 413),
        (
            "large chunked body",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n8\r\n",
            413
        ),
        (
            "large trailers",
            "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n"
                + String(repeating: "T: 1234567\r\n", count: 6), 431
        ),
    ]

    @Test(arguments: overLimits.indices, Feeding.allCases)
    func requestOverALimitIsRefusedWithItsStatus(index: Int, feeding: Feeding) {
        let (name, text, status) = Self.overLimits[index]
        #expect(parse(text, feeding: feeding, limits: Self.small).last == .reject(status), "\(name)")
    }

    @Test func requestAtEveryLimitIsAccepted() {
        let target = "/" + String(repeating: "a", count: 32 - "POST / HTTP/1.1".count)
        let field = "X: " + String(repeating: "b", count: 64 - 2 - 9 - 5)
        let text = "POST \(target) HTTP/1.1\r\n\(Self.host)\(field)\r\nContent-Length: 16\r\n\r\n"
        let limits = ParserLimits(maxRequestLineBytes: 32, maxHeaderBytes: 64 + 20, maxBodyBytes: 16)
        let outcomes = parse(text + String(repeating: "c", count: 16), feeding: .byteByByte, limits: limits)
        #expect(outcomes.count == 1, "\(outcomes)")
        #expect(outcomes.first.map { if case .request = $0 { true } else { false } } == true, "\(outcomes)")
    }

    @Test func refusalStopsTheParserForGood() {
        var parser = RequestParser()
        let bad = Array("GET / HTTP/1.1\r\nHost : a\r\n\r\n".utf8)
        let good = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        _ = bad.withUnsafeBytes { parser.parse($0) }
        let (step, _) = good.withUnsafeBytes { parser.parse($0) }
        guard case .reject = step else {
            Issue.record("a refused connection parsed another request")
            return
        }
    }
}
