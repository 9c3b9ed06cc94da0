/// What the parser must know from the header fields to frame the body and the connection,
/// noted field by field while the head is parsed.
struct HeadFacts {
    enum Framing {
        case none
        case length(Int)
        case chunked
    }

    var contentLength: Int?
    var hasTransferEncoding = false
    var isChunked = false
    var hostCount = 0
    var hasAuthorization = false
    var asksClose = false
    var asksKeepAlive = false
    var expectsContinue = false
    /// Accept-Encoding's word on gzip: nil when no field named it (or `*`).
    var gzipPreference: Bool?
    var contentCoding = ContentCoding.identity
    /// A sane `X-Request-Id` from the client, to be echoed.
    var requestID = RequestID.none

    /// Notes one field; refuses at once what no later field could make right.
    mutating func note(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(RequestError) {
        switch name.count {
        case 4 where ASCII.equalsLowercase(name, "host"):
            hostCount += 1
        case 13 where ASCII.equalsLowercase(name, "authorization"):
            // RFC 9110 §5.3: a field that is not a list appears once. Two credentials would leave
            // the choice of one to whoever reads the fields, before any auth decision: refused.
            guard !hasAuthorization else { throw .badRequest("repeated Authorization") }
            hasAuthorization = true
        case 12 where ASCII.equalsLowercase(name, "x-request-id"):
            if RequestID.isSane(value) {
                requestID = RequestID(client: String(decoding: value, as: UTF8.self))
            }
        case 15 where ASCII.equalsLowercase(name, "accept-encoding"):
            // A refusal in any field wins over an acceptance in another.
            if let preference = AcceptEncoding.gzipPreference(value) {
                gzipPreference = (gzipPreference ?? true) && preference
            }
        case 16 where ASCII.equalsLowercase(name, "content-encoding"):
            // A repeated field is a list of codings applied in turn (RFC 9110 §8.4): not served.
            contentCoding = contentCoding == .identity ? ContentCoding(value) : .unsupported
        case 6 where ASCII.equalsLowercase(name, "expect"):
            // Other expectations are ignored (RFC 9110 §10.1.1 lets a server answer 417).
            expectsContinue = ASCII.equalsLowercase(value, "100-continue")
        case 10 where ASCII.equalsLowercase(name, "connection"):
            for option in value.split(separator: UInt8(ascii: ",")) {
                let token = ASCII.trimmed(UnsafeRawBufferPointer(rebasing: option))
                if ASCII.equalsLowercase(token, "close") { asksClose = true }
                if ASCII.equalsLowercase(token, "keep-alive") { asksKeepAlive = true }
            }
        case 14 where ASCII.equalsLowercase(name, "content-length"):
            // RFC 9112 §6.3 item 5 lets a recipient merge identical repeated values; we are
            // stricter: any repeat, equal or not, is a smuggling shape and refused.
            guard contentLength == nil else { throw .badRequest("repeated Content-Length") }
            contentLength = try Self.decimal(value)
        case 17 where ASCII.equalsLowercase(name, "transfer-encoding"):
            // Only `chunked`, alone, is understood. RFC 9112 §6.1 suggests 501 for an unknown
            // coding; we answer 400, because we then cannot tell where the body ends.
            guard !hasTransferEncoding else { throw .badRequest("repeated Transfer-Encoding") }
            guard ASCII.equalsLowercase(value, "chunked") else {
                throw .badRequest("Transfer-Encoding other than chunked")
            }
            hasTransferEncoding = true
            isChunked = true
        default: break
        }
    }

    /// How the body is delimited (RFC 9112 §6.3), once every field is noted.
    func framing(version: (major: Int, minor: Int), limits: ParserLimits) throws(RequestError) -> Framing {
        // RFC 9112 §3.2: a 1.1 request without Host, or with more than one, MUST get 400.
        // We refuse a repeated Host in 1.0 too.
        if version.minor == 1 ? hostCount != 1 : hostCount > 1 {
            throw .badRequest("missing or repeated Host")
        }
        if hasTransferEncoding {
            // RFC 9112 §6.1: Transfer-Encoding in a 1.0 request is faulty framing.
            guard version.minor == 1 else { throw .badRequest("Transfer-Encoding in HTTP/1.0") }
            // RFC 9112 §6.3 item 3: both headers together is the classic smuggling shape.
            guard contentLength == nil else { throw .badRequest("Content-Length with Transfer-Encoding") }
            return .chunked
        }
        guard let length = contentLength, length > 0 else { return .none }
        guard length <= limits.maxBodyBytes else { throw .contentTooLarge }
        return .length(length)
    }

    /// RFC 9112 §9.3: 1.1 persists unless `close`; 1.0 only on `keep-alive`.
    func keepAlive(version: (major: Int, minor: Int)) -> Bool {
        !asksClose && (version.minor == 1 || asksKeepAlive)
    }

    /// `1*DIGIT` (RFC 9110 §8.6); a list, a sign or an overflow is refused.
    private static func decimal(_ bytes: UnsafeRawBufferPointer) throws(RequestError) -> Int {
        guard !bytes.isEmpty else { throw .badRequest("empty Content-Length") }
        var value = 0
        for byte in bytes {
            guard let digit = RequestParser.decimalDigit(byte) else {
                throw .badRequest("invalid Content-Length")
            }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { throw .badRequest("Content-Length overflows") }
            value = sum
        }
        return value
    }
}

extension RequestParser {
    static func decimalDigit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
