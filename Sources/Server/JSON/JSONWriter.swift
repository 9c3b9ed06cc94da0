import GuestMem

/// Writes JSON (RFC 8259) straight into a byte buffer, for the responses every request makes:
/// JSONEncoder went through a boxed value tree, `Data` and a copy into `[UInt8]` for each one.
/// The output is byte for byte what `JSONCoding.encode` gives (JSONWriterTests compares them):
/// no whitespace, members in the order written — callers write them sorted, as `.sortedKeys`
/// does — "/" and non-ASCII left as they are, and control characters escaped as JSONEncoder
/// escapes them.
///
/// The bytes go into memory it owns and grows itself, each write a store behind one capacity
/// check: appending to an `[UInt8]` byte by byte checked uniqueness and capacity per byte and
/// was most of a file GET's encoding time.
struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    /// Whether the next key or value follows a sibling, so that a comma goes first.
    private var followsValue = false

    init(reservingCapacity capacity: Int = 512) {
        self.capacity = max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    /// `value` alone, as bytes.
    static func encode(_ value: some JSONWritable) -> [UInt8] {
        var writer = JSONWriter()
        value.write(to: &writer)
        return writer.bytes
    }

    /// What was written so far.
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: start, count: count)) }

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
        let length = key.utf8CodeUnitCount
        let to = reserve(length + 3)
        to[0] = UInt8(ascii: "\"")
        (to + 1).update(from: key.utf8Start, count: length)
        to[length + 1] = UInt8(ascii: "\"")
        to[length + 2] = UInt8(ascii: ":")
        count += length + 3
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
        append(UInt8(ascii: "\""))
        let copied = value.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard !utf8.contains(where: Self.needsEscape) else { return false }
            append(UnsafeRawBufferPointer(utf8))
            return true
        }
        if copied != true {
            for byte in value.utf8 { escaping(byte) }
        }
        append(UInt8(ascii: "\""))
        followsValue = true
    }

    /// A time as `WireTime.string(_:)` spells it, quoted, without making that String.
    mutating func time(_ value: Timestamp) {
        separate()
        let to = reserve(WireTime.dateTimeLength + 3)
        to[0] = UInt8(ascii: "\"")
        WireTime.store(dateTimeOf: Int(value.nanosecondsSinceEpoch / 1_000_000_000), at: to + 1)
        to[WireTime.dateTimeLength + 1] = UInt8(ascii: "Z")
        to[WireTime.dateTimeLength + 2] = UInt8(ascii: "\"")
        count += WireTime.dateTimeLength + 3
        followsValue = true
    }

    mutating func integer(_ value: Int64) {
        if value < 0 {
            separate()
            append(UInt8(ascii: "-"))
            followsValue = false
        }
        integer(value.magnitude)
    }

    mutating func integer(_ value: UInt64) {
        separate()
        var digits = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        storeDecimalDigits(value, count: digits, at: reserve(digits))
        count += digits
        followsValue = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        value ? append(literal: "true") : append(literal: "false")
        followsValue = true
    }

    mutating func null() {
        separate()
        append(literal: "null")
        followsValue = true
    }

    /// `byte` of a string's UTF-8, escaped if RFC 8259 §7 wants it (and as JSONEncoder does).
    private mutating func escaping(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): append(UInt8(ascii: "\\"), byte)
        case 0x08: append(UInt8(ascii: "\\"), UInt8(ascii: "b"))
        case 0x09: append(UInt8(ascii: "\\"), UInt8(ascii: "t"))
        case 0x0A: append(UInt8(ascii: "\\"), UInt8(ascii: "n"))
        case 0x0C: append(UInt8(ascii: "\\"), UInt8(ascii: "f"))
        case 0x0D: append(UInt8(ascii: "\\"), UInt8(ascii: "r"))
        // The rest of U+0000–U+001F only as \u00XX. UTF-8 of anything above U+007F has no byte
        // below 0x80, so a multi-byte character is copied as it is.
        case 0x00..<0x20:
            append(literal: "\\u00")
            append(Self.hexDigit(byte >> 4), Self.hexDigit(byte & 0xF))
        default: append(byte)
        }
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    @inline(__always)
    private mutating func separate() {
        if followsValue { append(UInt8(ascii: ",")) }
    }

    private mutating func open(_ bracket: UInt8) {
        separate()
        append(bracket)
        followsValue = false
    }

    private mutating func close(_ bracket: UInt8) {
        append(bracket)
        followsValue = true
    }

    /// Where the next `length` bytes go, growing the memory first if they do not fit; the
    /// caller stores them and adds them to `count`.
    @inline(__always)
    private mutating func reserve(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if count + length > capacity {
            let grown = max(capacity * 2, count + length)
            let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
            moved.moveInitialize(from: start, count: count)
            start.deallocate()
            (start, capacity) = (moved, grown)
        }
        return start + count
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        reserve(1).initialize(to: byte)
        count += 1
    }

    @inline(__always)
    private mutating func append(_ first: UInt8, _ second: UInt8) {
        let to = reserve(2)
        (to[0], to[1]) = (first, second)
        count += 2
    }

    @inline(__always)
    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let from = bytes.baseAddress else { return }
        reserve(bytes.count).initialize(from: from.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    private mutating func append(literal: StaticString) {
        append(UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
