/// A request body's `Content-Encoding` (RFC 9110 §8.4): what the server must undo before a
/// handler sees the body.
package enum ContentCoding: Equatable, Sendable {
    case identity
    case gzip
    /// Anything else (`br`, `deflate`, a list of codings): answered 415 (RFC 9110 §15.5.16).
    case unsupported

    /// The coding a `Content-Encoding` value names. `x-gzip` is gzip (RFC 9110 §8.4.1.3).
    init(_ value: UnsafeRawBufferPointer) {
        let coding = ASCII.trimmed(value)
        if ASCII.equalsLowercase(coding, "gzip") || ASCII.equalsLowercase(coding, "x-gzip") {
            self = .gzip
        } else if ASCII.equalsLowercase(coding, "identity") || coding.isEmpty {
            self = .identity
        } else {
            self = .unsupported
        }
    }
}

/// `Accept-Encoding` (RFC 9110 §12.5.3), as far as gzip is concerned.
enum AcceptEncoding {
    /// What one field value says of gzip: nil when it names neither gzip nor `*`.
    static func gzipPreference(_ value: UnsafeRawBufferPointer) -> Bool? {
        var wildcard: Bool?
        for member in value.split(separator: UInt8(ascii: ",")) {
            let parts = member.split(separator: UInt8(ascii: ";"), maxSplits: 1)
            guard let first = parts.first else { continue }
            let coding = ASCII.trimmed(UnsafeRawBufferPointer(rebasing: first))
            let accepted = parts.count < 2 || isPositive(UnsafeRawBufferPointer(rebasing: parts[1]))
            if ASCII.equalsLowercase(coding, "gzip") || ASCII.equalsLowercase(coding, "x-gzip") {
                return accepted
            }
            if coding.count == 1, coding[0] == UInt8(ascii: "*") { wildcard = accepted }
        }
        return wildcard
    }

    /// Whether a weight `q=…` (RFC 9110 §12.4.2) is above zero; a malformed one counts as 1.
    private static func isPositive(_ parameter: UnsafeRawBufferPointer) -> Bool {
        let text = ASCII.trimmed(parameter)
        guard text.count >= 2, text[0] | 0x20 == UInt8(ascii: "q"), text[1] == UInt8(ascii: "=") else {
            return true
        }
        // SAFETY: count ≥ 2 was checked, so the weight starts at index 2 (maybe empty).
        let weight = ASCII.trimmed(UnsafeRawBufferPointer(rebasing: text[2...]))
        return weight.contains { $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9") }
    }
}
