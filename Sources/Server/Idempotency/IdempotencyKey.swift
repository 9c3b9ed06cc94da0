import HTTP

/// A request's `Idempotency-Key` (the IETF httpapi draft "The Idempotency-Key HTTP Header
/// Field"): an Item Structured Field whose value is a String (RFC 8941 §3.3.3), such as
/// `"8e03978e-40d5-43e8-bc93-6894a57f9324"`. gmemd takes 1 to `maxLength` characters and no
/// parameters; anything else, or the field twice, is 400 and nothing is done.
struct IdempotencyKey: Hashable, Sendable {
    /// Stripe's bound, and far more than a UUID needs.
    static let maxLength = 255

    /// The key unescaped: what the client chose, compared character for character.
    let value: String

    /// The key `request` sends, or nil when it sends none.
    static func of(_ request: Request) throws(Problem) -> IdempotencyKey? {
        let fields = request.headers.values("Idempotency-Key")
        guard let field = fields.first else { return nil }
        // RFC 8941 §4.2: field lines are joined with commas first, and an Item then fails to parse.
        guard fields.count == 1 else { throw .badRequest("Idempotency-Key is sent more than once") }
        return IdempotencyKey(value: try unescaped(field))
    }

    /// RFC 8941 §4.2.5, parsing a String: printable ASCII between quotes, where only `\"` and `\\`
    /// are escapes. Surrounding spaces were taken off with the field's whitespace.
    private static func unescaped(_ field: String) throws(Problem) -> String {
        var bytes = Array(field.utf8)[...]
        guard bytes.popFirst() == UInt8(ascii: "\"") else {
            throw malformed("must be a quoted string (RFC 8941 §3.3.3), such as \"8e03978e-…\"")
        }
        var key: [UInt8] = []
        while let byte = bytes.popFirst() {
            switch byte {
            case UInt8(ascii: "\\"):
                guard let escaped = bytes.popFirst(),
                    escaped == UInt8(ascii: "\"") || escaped == UInt8(ascii: "\\")
                else { throw malformed("has a backslash before something other than \" or \\") }
                key.append(escaped)
            case UInt8(ascii: "\""):
                guard bytes.isEmpty else { throw malformed("has something after its closing quote") }
                guard (1...maxLength).contains(key.count) else {
                    throw malformed("must hold 1 to \(maxLength) characters; it holds \(key.count)")
                }
                // Only printable ASCII was taken: decoding it as UTF-8 changes nothing.
                return String(decoding: key, as: UTF8.self)
            case 0x20...0x7e:
                key.append(byte)
            default:
                throw malformed("holds a character other than printable ASCII")
            }
        }
        throw malformed("has no closing quote")
    }

    private static func malformed(_ why: String) -> Problem { .badRequest("Idempotency-Key \(why)") }
}
