import GuestMem

/// Writes JSON (RFC 8259) straight into a byte buffer, for the responses every request makes:
/// JSONEncoder went through a boxed value tree, `Data` and a copy into `[UInt8]` for each one.
/// The output is byte for byte what `JSONCoding.encode` gives (JSONWriterTests compares them):
/// no whitespace, members in the order written — callers write them sorted, as `.sortedKeys`
/// does — "/" and non-ASCII left as they are, and control characters escaped as JSONEncoder
/// escapes them.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Whether the next key or value follows a sibling, so that a comma goes first.
    private var followsValue = false

    init(reservingCapacity capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// `value` alone, as bytes.
    static func encode(_ value: some JSONWritable) -> [UInt8] {
        var writer = JSONWriter()
        value.write(to: &writer)
        return writer.bytes
    }

    /// An object whose members `members` writes with `member(_:_:)`.
    mutating func object(_ members: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        members(&self)
        close(UInt8(ascii: "}"))
    }

    /// An array of `elements`, in their order.
    mutating func array<Elements: Sequence>(_ elements: Elements) where Elements.Element: JSONWritable {
        open(UInt8(ascii: "["))
        for element in elements { element.write(to: &self) }
        close(UInt8(ascii: "]"))
    }

    /// One member of the object being written. Keys are gmemd's own snake_case names, which
    /// need no escaping.
    mutating func member(_ key: StaticString, _ value: some JSONWritable) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        followsValue = false
        value.write(to: &self)
    }

    /// A member only when `value` is present: JSONEncoder leaves a nil optional out, and so
    /// does gmemd's wire format.
    mutating func member(_ key: StaticString, ifPresent value: (some JSONWritable)?) {
        if let value { member(key, value) }
    }

    mutating func string(_ value: some StringProtocol) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            // RFC 8259 §7: the rest of U+0000–U+001F only as \u00XX. UTF-8 of anything above
            // U+007F has no byte below 0x80, so a multi-byte character is copied as it is.
            case 0x00..<0x20:
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                ])
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
        followsValue = true
    }

    /// A time as `WireTime.string(_:)` spells it, without making that String.
    mutating func time(_ value: Timestamp) {
        separate()
        WireTime.appendQuoted(value, to: &bytes)
        followsValue = true
    }

    mutating func integer(_ value: Int64) {
        if value < 0 {
            separate()
            bytes.append(UInt8(ascii: "-"))
            followsValue = false
        }
        integer(value.magnitude)
    }

    /// Digits from the most significant down, so nothing is reversed afterwards: a journal line
    /// holds thousands of integers (a file's dirty ranges), and a generic reverse of an array
    /// slice per integer was most of its cost in a debug or sanitized build.
    mutating func integer(_ value: UInt64) {
        separate()
        var place: UInt64 = 1
        while value / place >= 10 { place *= 10 }
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(value / place % 10))
            place /= 10
        } while place > 0
        followsValue = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        followsValue = true
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: Self.nullBytes)
        followsValue = true
    }

    private mutating func separate() {
        if followsValue { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        followsValue = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        followsValue = true
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
}
