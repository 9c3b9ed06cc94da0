/// A request body that is one JSON object of plain strings, integers and booleans, read straight
/// from its bytes: the shape of nearly every body gmemd takes (a punch is
/// `{"mode":"punch_hole","offset":0,"length":4096}`), which Foundation's JSONDecoder took 23% of
/// a punch's CPU to decode. It reads only a strict subset of JSON, and only where that subset
/// means exactly what JSONDecoder (with `JSONCoding`'s settings) would make of it; anything else
/// (an escape, a non-ASCII byte, a fraction, null, a nested value, a repeated key, malformed
/// JSON) is not read here, and JSONDecoder, whose errors are the wire's, decodes that body.
struct FlatJSONObject {
    enum Value {
        case string(String)
        case integer(Int64)
        case boolean(Bool)
    }

    /// The fields in body order, each key as `JSONCoding`'s decoder converts it from snake_case.
    let fields: [(key: String, value: Value)]

    /// The value of the field whose converted key is `key`.
    func value(_ key: String) -> Value? { fields.first { $0.key == key }?.value }

    /// nil when `body` is anything but an object of fields in the subset.
    init?(parsing body: [UInt8]) {
        var reader = Reader(bytes: body)
        guard let fields = reader.object(), reader.isAtEnd else { return nil }
        self.fields = fields
    }

    /// A cursor over the body. Every `bytes[index]` is read after a check that `index` is below
    /// `bytes.count` (`peek` and `take` make it).
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var isAtEnd: Bool {
            mutating get {
                skipWhitespace()
                return index == bytes.count
            }
        }

        mutating func object() -> [(key: String, value: Value)]? {
            skipWhitespace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var fields: [(key: String, value: Value)] = []
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return fields }
            while true {
                skipWhitespace()
                guard let key = key(), !fields.contains(where: { $0.key == key }) else { return nil }
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { return nil }
                skipWhitespace()
                guard let value = value() else { return nil }
                fields.append((key, value))
                skipWhitespace()
                if take(UInt8(ascii: "}")) { return fields }
                guard take(UInt8(ascii: ",")) else { return nil }
            }
        }

        /// A key of lowercase words joined by single underscores (`keep_size`), converted as
        /// JSONDecoder's `.convertFromSnakeCase` converts it (`keepSize`); any other key (capitals,
        /// digits, leading, trailing or doubled underscores) is left to JSONDecoder.
        private mutating func key() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var key: [UInt8] = []
            var capitalizesNext = false
            while let byte = peek(), byte != UInt8(ascii: "\"") {
                index += 1
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"):
                    key.append(capitalizesNext ? byte - 32 : byte)
                    capitalizesNext = false
                case UInt8(ascii: "_") where !key.isEmpty && !capitalizesNext:
                    capitalizesNext = true
                default: return nil
                }
            }
            guard take(UInt8(ascii: "\"")), !key.isEmpty, !capitalizesNext else { return nil }
            return String(decoding: key, as: UTF8.self)
        }

        private mutating func value() -> Value? {
            guard let first = peek() else { return nil }
            return switch first {
            case UInt8(ascii: "\""): string().map(Value.string)
            case UInt8(ascii: "t"): literal("true") ? Value.boolean(true) : nil
            case UInt8(ascii: "f"): literal("false") ? Value.boolean(false) : nil
            default: integer().map(Value.integer)
            }
        }

        /// Printable ASCII without escapes: the same characters whatever reads them.
        private mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while let byte = peek(), byte != UInt8(ascii: "\"") {
                guard byte >= 0x20, byte < 0x7f, byte != UInt8(ascii: "\\") else { return nil }
                index += 1
            }
            let end = index
            guard take(UInt8(ascii: "\"")) else { return nil }
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        /// `0`, or an optional minus and digits without a leading zero, that fit an Int64 and
        /// are followed by no fraction or exponent. `-0` is left to JSONDecoder.
        private mutating func integer() -> Int64? {
            let isNegative = take(UInt8(ascii: "-"))
            guard let first = peek(), first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
                return nil
            }
            if first == UInt8(ascii: "0") {
                index += 1
                return isNegative || isNumberGoingOn ? nil : 0
            }
            var value: Int64 = 0
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                index += 1
                let digit = Int64(byte - UInt8(ascii: "0"))
                let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
                // Negative numbers are built downwards, so Int64.min fits.
                let (next, alsoOverflowed) =
                    isNegative
                    ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                guard !overflowed, !alsoOverflowed else { return nil }
                value = next
            }
            return isNumberGoingOn ? nil : value
        }

        /// Whether the number just read goes on as a fraction or an exponent.
        private var isNumberGoingOn: Bool {
            guard let byte = peek() else { return false }
            return byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        }

        private mutating func literal(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            let matches = word.withUTF8Buffer { $0.elementsEqual(bytes[index..<index + count]) }
            if matches { index += count }
            return matches
        }

        private mutating func skipWhitespace() {
            while let byte = peek(),
                byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                    || byte == UInt8(ascii: "\t")
            {
                index += 1
            }
        }

        private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard peek() == byte else { return false }
            index += 1
            return true
        }
    }
}
