/// A request's `X-Request-Id`: the client's value when it is sane, else one its loop made up.
/// Sane is 1–128 bytes of `[A-Za-z0-9._-]`: safe in a log line, a header and a JSON string
/// unescaped. A made-up id is a loop's random prefix and a counter, `9f2c41d0-1a`; it is kept
/// as those two numbers and spelled out only when written or asked for, because the server makes
/// one per request and most are never read as text.
package struct RequestID: Sendable, Hashable, CustomStringConvertible {
    static let maxBytes = 128

    /// The client's value; empty for a made-up id. (Three plain fields rather than an enum with
    /// a String case: this is copied with every request, and a plain copy is cheaper.)
    private let client: String
    /// 8 hex digit bytes, packed, and the loop's request count; 0 for a client's id.
    private let prefix: UInt64, counter: UInt64

    /// No id yet: the server gives the request one before its handler runs.
    package static let none = RequestID(client: "")

    /// The client's value, which must be sane (`isSane`).
    init(client value: String) { (client, prefix, counter) = (value, 0, 0) }

    init(prefix: UInt64, counter: UInt64) { (client, self.prefix, self.counter) = ("", prefix, counter) }

    var isNone: Bool { counter == 0 && client.isEmpty }

    package var description: String {
        if counter == 0 { return client }
        var line: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &line) { buffer in
            // A made-up id always fits; the id sits between the name and the CRLF.
            let count = headerLine(into: buffer) ?? 16
            return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[14..<(count - 2)]), as: UTF8.self)
        }
    }

    /// Writes the header line `X-Request-Id: …\r\n` at the start of `buffer` (at least 48
    /// bytes) and returns its length, or nil for a client's id too long to fit.
    func headerLine(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let name: StaticString = "X-Request-Id: "
        // SAFETY: 14 name bytes, then an id of at most 25 bytes (8 prefix, a dash, 16 digits, or
        // a client's, checked), then CRLF: at most 41 of the 48.
        buffer.copyMemory(from: UnsafeRawBufferPointer(start: name.utf8Start, count: 14))
        var end = 14
        if counter == 0 {
            guard client.utf8.count <= 25 else { return nil }
            for byte in client.utf8 {
                buffer[end] = byte
                end += 1
            }
        } else {
            buffer.storeBytes(of: prefix, toByteOffset: 14, as: UInt64.self)
            buffer[22] = UInt8(ascii: "-")
            let digits = max(1, (64 - counter.leadingZeroBitCount + 3) / 4)
            end = 23 + digits
            var rest = counter
            for index in stride(from: end - 1, through: 23, by: -1) {
                buffer[index] = hexDigit(rest)
                rest &>>= 4
            }
        }
        buffer[end] = UInt8(ascii: "\r")
        buffer[end + 1] = UInt8(ascii: "\n")
        return end + 2
    }

    /// Whether a client's value may be echoed.
    static func isSane(_ value: UnsafeRawBufferPointer) -> Bool {
        guard (1...maxBytes).contains(value.count) else { return false }
        return value.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
}

/// The lowercase hex digit of the low 4 bits.
@inline(__always)
func hexDigit(_ value: UInt64) -> UInt8 {
    let nibble = UInt8(truncatingIfNeeded: value & 0xF)
    return nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

/// Makes request ids for one loop: a random 32-bit prefix per loop and a counter. Unique within
/// the process; across processes the prefix makes a clash unlikely. Used on its loop's thread.
struct RequestIDGenerator {
    private let prefix: UInt64
    private var counter: UInt64 = 0

    init() {
        let random = UInt64(UInt32.random(in: .min ... .max))
        var packed: UInt64 = 0
        // Little-endian memory order: the first digit is the lowest byte.
        for index in 0..<8 {
            packed |= UInt64(hexDigit(random &>> UInt64(28 - 4 * index))) << UInt64(8 * index)
        }
        prefix = packed
    }

    mutating func next() -> RequestID {
        counter &+= 1
        return RequestID(prefix: prefix, counter: counter)
    }
}
