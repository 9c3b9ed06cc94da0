/// Byte classes from RFC 9110 §5.6.2 and §5.5, as bit tests: no table to load, no allocation.
enum ASCII {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// tchar: `!#$%&'*+-.^_`|~`, digits and letters.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        // Bit n of the mask for byte n; bytes 0–63 and 64–127, none above.
        let low: UInt64 = 0x03FF_6CFA_0000_0000  // ! # $ % & ' * + - . 0-9
        let high: UInt64 = 0x57FF_FFFF_C7FF_FFFE  // A-Z ^ _ ` a-z | ~
        switch byte {
        case 0..<64: return low >> UInt64(byte) & 1 == 1
        case 64..<128: return high >> UInt64(byte - 64) & 1 == 1
        default: return false
        }
    }

    /// field-vchar, SP or HTAB: what a field value may hold (obs-text included, CR, LF, NUL
    /// and the other controls not).
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 ? byte != 0x7F : byte == tab
    }

    /// Compares `bytes` with a lowercase ASCII word, ignoring the case of letters. `lowercase`
    /// holds only lowercase letters, digits and `-`, `:`, `/`; `bytes` holds no control byte
    /// (callers pass validated names, values and targets). Setting bit 5 then maps an
    /// uppercase letter onto its lowercase one, and maps no other such byte onto any byte of
    /// `lowercase` (only controls, which are excluded, would land on digits or punctuation).
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let name = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != name[index] {
            return false
        }
        return true
    }

    /// The slice without leading and trailing SP and HTAB (OWS, RFC 9110 §5.6.3).
    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == space || bytes[start] == tab { start += 1 }
        while end > start, bytes[end - 1] == space || bytes[end - 1] == tab { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
