import HTTP
import TestSupport
import Testing

/// Well-formed requests, each parsed the same whole, one byte at a time and in random chunks.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RequestParserTests {
    static let goodRequests: [(String, [Outcome])] = [
        (
            "GET /v1/health HTTP/1.1\r\nHost: a\r\n\r\n",
            [
                .request(
                    method: "GET", target: "/v1/health", minor: 1, headers: ["Host: a"], body: [],
                    keepAlive: true)
            ]
        ),
        (
            "POST /echo?x=1 HTTP/1.1\r\nhost: a\r\ncontent-LENGTH: 5\r\n\r\nhello",
            [
                .request(
                    method: "POST", target: "/echo?x=1", minor: 1, headers: ["host: a", "content-LENGTH: 5"],
                    body: Array("hello".utf8), keepAlive: true)
            ]
        ),
        (
            "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "5;name=value;x\r\nhello\r\n1 ; ext\r\n!\r\n0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n",
            [
                .request(
                    method: "POST", target: "/c", minor: 1,
                    headers: ["Host: a", "Transfer-Encoding: Chunked"],
                    body: Array("hello!".utf8), keepAlive: true)
            ]
        ),
        (
            "GET / HTTP/1.0\r\n\r\n",
            [.request(method: "GET", target: "/", minor: 0, headers: [], body: [], keepAlive: false)]
        ),
        (
            "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
            [
                .request(
                    method: "GET", target: "/", minor: 0, headers: ["Connection: Keep-Alive"], body: [],
                    keepAlive: true)
            ]
        ),
        (
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n",
            [
                .request(
                    method: "GET", target: "/", minor: 1, headers: ["Host: a", "Connection: foo, close"],
                    body: [],
                    keepAlive: false)
            ]
        ),
        (
            "\r\n\r\nHEAD /x HTTP/1.1\r\nHost: a\r\nX-Spaces: \t padded value \t\r\n\r\n",
            [
                .request(
                    method: "HEAD", target: "/x", minor: 1, headers: ["Host: a", "X-Spaces: padded value"],
                    body: [],
                    keepAlive: true)
            ]
        ),
        (
            "GET http://example.com:80/p?q HTTP/1.1\r\nHost: example.com\r\n\r\n",
            [
                .request(
                    method: "GET", target: "/p?q", minor: 1, headers: ["Host: example.com"], body: [],
                    keepAlive: true)
            ]
        ),
        (
            "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nBREW /pot HTTP/1.1\r\nHost: a\r\nX: \u{E9}\r\n\r\n",
            [
                .request(
                    method: "OPTIONS", target: "*", minor: 1, headers: ["Host: a"], body: [], keepAlive: true),
                .request(
                    method: "BREW", target: "/pot", minor: 1, headers: ["Host: a", "X: é"], body: [],
                    keepAlive: true),
            ]
        ),
        (
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
                + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n",
            [
                .request(
                    method: "GET", target: "/1", minor: 1, headers: ["Host: a"], body: [], keepAlive: true),
                .request(
                    method: "POST", target: "/2", minor: 1, headers: ["Host: a", "Content-Length: 2"],
                    body: Array("hi".utf8), keepAlive: true),
                .request(
                    method: "GET", target: "/3", minor: 1, headers: ["Host: a"], body: [], keepAlive: true),
            ]
        ),
    ]

    @Test(arguments: goodRequests.indices, Feeding.allCases)
    func wellFormedRequestParsesTheSameHoweverItIsSplit(index: Int, feeding: Feeding) {
        let (text, expected) = Self.goodRequests[index]
        #expect(parse(text, feeding: feeding).filter { $0 != .expectContinue } == expected)
    }

    @Test func expectContinueIsAskedForOnceWhenTheBodyHasNotArrived() {
        let head = "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"
        let outcomes = parse(head + "abc", feeding: .byteByByte)
        #expect(outcomes.first == .expectContinue)
        #expect(outcomes.count == 2)
    }

    @Test func expectContinueIsNotAskedForWhenTheBodyCameWithTheHead() {
        let text = "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
        #expect(!parse(text).contains(.expectContinue))
    }

    @Test func expectContinueInHTTP10IsIgnored() {
        let text = "PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
        #expect(!parse(text, feeding: .byteByByte).contains(.expectContinue))
    }

    @Test func expectContinueWithATooLargeBodyIsRefusedWith413Instead() {
        let limits = ParserLimits(maxBodyBytes: 10)
        let text = "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n"
        #expect(parse(text, limits: limits) == [.reject(413)])
    }

    @Test func parserIsIdleBetweenRequestsAndInHeadOrBodyWhileOneArrives() {
        var parser = RequestParser()
        #expect(parser.phase == .idle)
        var bytes = Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n".utf8)
        _ = bytes.withUnsafeBytes { parser.parse($0) }
        #expect(parser.phase == .head)
        bytes += Array("\r\nab".utf8)
        // The parse stops at the head, so that it can be judged before its body; the rest is fed again.
        let consumed = bytes.withUnsafeBytes { parser.parse($0) }.consumed
        _ = Array(bytes[consumed...]).withUnsafeBytes { parser.parse($0) }
        #expect(parser.phase == .body)
        _ = Array("cd".utf8).withUnsafeBytes { parser.parse($0) }
        #expect(parser.phase == .idle)
    }

    @Test func queryValuesArePercentDecodedAndPathExcludesTheQuery() {
        let request = Request(method: .get, target: "/v1/files/x?name=a%20b+c&empty=&flag")
        #expect(request.path == "/v1/files/x")
        #expect(request.queryValue("name") == "a b c")
        #expect(request.queryValue("empty") == "")
        #expect(request.queryValue("flag") == "")
        #expect(request.queryValue("missing") == nil)
    }

    @Test func headerLookupIgnoresCase() {
        let headers = HTTPHeaders([("Content-Type", "a"), ("X-Two", "1"), ("x-two", "2")])
        #expect(headers["content-type"] == "a")
        #expect(headers.values("X-TWO") == ["1", "2"])
        #expect(headers["content-typf"] == nil)
    }
}
