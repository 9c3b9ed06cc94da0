/// `method SP request-target SP HTTP-version` (RFC 9112 §3), parsed strictly: one SP each,
/// no trailing whitespace (§3 lets a server accept more; we do not guess at framing).
struct RequestLine {
    let method: HTTPMethod
    /// In origin-form (or `*` for OPTIONS): absolute-form is reduced to its path and query.
    let target: String
    let version: (major: Int, minor: Int)

    init(_ line: UnsafeRawBufferPointer) throws(RequestError) {
        var methodEnd = 0
        while methodEnd < line.count, ASCII.isTokenByte(line[methodEnd]) { methodEnd += 1 }
        // SAFETY: methodEnd < count is checked before the read.
        guard methodEnd > 0, methodEnd < line.count, line[methodEnd] == ASCII.space else {
            throw .badRequest("malformed request line")
        }
        var targetEnd = methodEnd + 1
        // RFC 3986 URIs are visible ASCII: anything else (obs-text, controls, a bare CR) is refused.
        while targetEnd < line.count, line[targetEnd] > ASCII.space, line[targetEnd] < 0x7F { targetEnd += 1 }
        guard targetEnd > methodEnd + 1, targetEnd < line.count, line[targetEnd] == ASCII.space else {
            throw .badRequest("malformed request target")
        }
        method = Self.method(UnsafeRawBufferPointer(rebasing: line[..<methodEnd]))
        version = try Self.version(UnsafeRawBufferPointer(rebasing: line[(targetEnd + 1)...]))
        target = try Self.originForm(
            UnsafeRawBufferPointer(rebasing: line[(methodEnd + 1)..<targetEnd]), method)
    }

    /// `HTTP/` DIGIT `.` DIGIT (RFC 9112 §2.3), case-sensitive. Well-formed but not 1.0 or
    /// 1.1 is 505; malformed is 400.
    private static func version(_ bytes: UnsafeRawBufferPointer) throws(RequestError) -> (
        major: Int, minor: Int
    ) {
        let prefix: StaticString = "HTTP/"
        // SAFETY: count == 8 is checked first, so indices 0...7 are in bounds.
        guard bytes.count == 8, (0..<5).allSatisfy({ bytes[$0] == prefix.utf8Start[$0] }),
            bytes[6] == UInt8(ascii: "."),
            case let (major?, minor?) = (
                RequestParser.decimalDigit(bytes[5]), RequestParser.decimalDigit(bytes[7])
            )
        else { throw .badRequest("malformed HTTP version") }
        guard major == 1, minor <= 1 else { throw .versionNotSupported }
        return (major, minor)
    }

    /// RFC 9112 §3.2: origin-form, absolute-form (which a server MUST accept; reduced here to
    /// its path and query), and asterisk-form for OPTIONS. Authority-form is only for CONNECT,
    /// which is not served.
    private static func originForm(_ target: UnsafeRawBufferPointer, _ method: HTTPMethod)
        throws(RequestError)
        -> String
    {
        // SAFETY: the caller checked that the target is non-empty.
        switch target[0] {
        case UInt8(ascii: "/"): return String(decoding: target, as: UTF8.self)
        case UInt8(ascii: "*") where target.count == 1 && method == .options: return "*"
        default:
            let schemeLength =
                startsWith(target, "http://") ? 7 : startsWith(target, "https://") ? 8 : 0
            guard schemeLength > 0 else { throw .badRequest("unsupported request-target form") }
            let rest = UnsafeRawBufferPointer(rebasing: target[schemeLength...])
            guard
                let pathStart = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") })
            else { return "/" }
            let path = String(decoding: UnsafeRawBufferPointer(rebasing: rest[pathStart...]), as: UTF8.self)
            // SAFETY: pathStart was found inside `rest`.
            return rest[pathStart] == UInt8(ascii: "/") ? path : "/" + path
        }
    }

    private static func startsWith(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        bytes.count >= prefix.utf8CodeUnitCount
            && ASCII.equalsLowercase(
                UnsafeRawBufferPointer(rebasing: bytes[..<prefix.utf8CodeUnitCount]), prefix)
    }

    /// The common methods come from constants, so the hot path builds no String for them.
    private static func method(_ bytes: UnsafeRawBufferPointer) -> HTTPMethod {
        for known in [HTTPMethod.get, .post, .put, .delete, .head, .patch, .options]
        where known.rawValue.utf8.elementsEqual(bytes) {
            return known
        }
        return HTTPMethod(String(decoding: bytes, as: UTF8.self))
    }
}
