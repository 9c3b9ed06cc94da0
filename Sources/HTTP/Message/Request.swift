/// One parsed request, body complete, as a handler sees it.
package struct Request: Sendable {
    package var method: HTTPMethod
    /// The request-target as sent (origin-form: path and optional query).
    package var target: String
    /// The path part of the target, still percent-encoded.
    package var path: Substring {
        target[..<(queryMark ?? target.endIndex)]
    }
    /// The query part after `?`, or nil.
    package var query: Substring? {
        queryMark.map { target[target.utf8.index(after: $0)...] }
    }
    /// Searched in UTF-8 rather than Characters: `?` is ASCII, so its index is a valid
    /// String index, and no grapheme breaking runs per request.
    private var queryMark: String.Index? { target.utf8.firstIndex(of: UInt8(ascii: "?")) }
    /// HTTP/1.0 or 1.1, as `(major, minor)`.
    package var version: (major: Int, minor: Int)
    package var headers: HTTPHeaders
    /// The whole body: Content-Length or de-chunked; empty when there was none.
    package var body: [UInt8]
    /// Values of the route's `{name}` segments, filled in by the router.
    package var pathParameters = PathParameters()
    /// The `X-Request-Id` its response will carry: the client's if sane, else a new one.
    package var id = RequestID.none
    /// The listener it came in on, set by the server.
    package var listener = ListenerKind.tcp
    /// The descriptors it brought (Unix listener only, at most `PassedDescriptors.maxPerRequest`):
    /// a handler takes those it wants; the rest are closed when the request is let go. nil when
    /// it brought none.
    package var descriptors: PassedDescriptors?
    /// The body's place in the server's body budget, given back when the last copy of the
    /// request goes; nil for a request without a body.
    package var bodyReservation: BodyReservation?
    /// What the server keeps for the connection the request came on, from one of its requests to
    /// the next; nil for a request that came on none (a test's).
    package var connectionMemo: ConnectionMemo?

    package init(
        method: HTTPMethod, target: String, version: (major: Int, minor: Int) = (1, 1),
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// The first value of query parameter `name`, percent-decoded, or nil. Names match byte for
    /// byte once decoded (String's `==` would also match Unicode-equivalent spellings, and every
    /// malformed UTF-8 sequence as the same U+FFFD).
    package func queryValue(_ name: String) -> String? {
        guard let query else { return nil }
        let wanted = Array(name.utf8)
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if percentDecodedBytes(parts[0]) == wanted {
                return parts.count > 1 ? percentDecoded(parts[1]) : ""
            }
        }
        return nil
    }
}

/// Decodes `%XX` escapes and `+` (form encoding) in a query component; malformed escapes stay
/// as they are, since a handler validates the value it gets anyway.
func percentDecoded(_ text: Substring) -> String {
    guard text.contains("%") || text.contains("+") else { return String(text) }
    return String(decoding: percentDecodedBytes(text), as: UTF8.self)
}

private func percentDecodedBytes(_ text: Substring) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var iterator = Array(text.utf8)[...]
    while let byte = iterator.popFirst() {
        if byte == UInt8(ascii: "+") {
            bytes.append(UInt8(ascii: " "))
        } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
            let high = hexValue(iterator[iterator.startIndex]),
            let low = hexValue(iterator[iterator.startIndex + 1])
        {
            bytes.append(high << 4 | low)
            iterator = iterator.dropFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return bytes
}

func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}
