/// One `Range: bytes=…` request (RFC 9110 §14.1.2), resolved against a representation's size.
enum RangeHeader: Equatable {
    case whole
    case part(offset: Int64, length: Int64)
    case unsatisfiable

    /// Reads `value` against `size`. A header that is not one well-formed byte range (several
    /// ranges, another unit, signs, garbage) is ignored and the whole body is sent, as §14.2
    /// allows. The unit is case-insensitive and the range may have whitespace around it (§14.1.1's
    /// list syntax). Positions too large for Int64 are still well formed: a first position past
    /// the end is unsatisfiable, a last one or a suffix length is cut to the representation.
    init(_ value: String?, size: Int64) {
        guard let value, let spec = Self.singleSpec(Array(value.utf8)[...]) else {
            self = .whole
            return
        }
        switch spec {
        case .suffix(let length):
            // A suffix of a zero-length representation is satisfiable (§14.1.1) yet has no byte
            // range to name in a 206: the empty whole answers it.
            if length == 0 {
                self = .unsatisfiable
            } else if size == 0 {
                self = .whole
            } else {
                let count = min(length, size)
                self = .part(offset: size - count, length: count)
            }
        case .from(let first, let last):
            if first >= size {
                self = .unsatisfiable
            } else {
                self = .part(offset: first, length: min(last ?? Int64.max, size - 1) - first + 1)
            }
        }
    }

    private enum Spec {
        case from(Int64, last: Int64?)
        case suffix(Int64)
    }

    private static let unit = Array("bytes".utf8)

    private static func singleSpec(_ bytes: ArraySlice<UInt8>) -> Spec? {
        // Setting bit 0x20 lowercases a letter, and only B and b become b (and so on for the
        // others): no other byte passes for a letter of the unit.
        guard bytes.count > unit.count + 1, zip(bytes, unit).allSatisfy({ $0 | 0x20 == $1 }),
            bytes[bytes.startIndex + unit.count] == UInt8(ascii: "=")
        else { return nil }
        var rest = bytes.dropFirst(unit.count + 1)
        while let first = rest.first, first == 0x20 || first == 0x09 { rest = rest.dropFirst() }
        while let last = rest.last, last == 0x20 || last == 0x09 { rest = rest.dropLast() }
        guard let dash = rest.firstIndex(of: UInt8(ascii: "-")) else { return nil }
        let first = rest[..<dash]
        let last = rest[(dash + 1)...]
        if first.isEmpty { return saturated(last).map(Spec.suffix) }
        guard let start = saturated(first) else { return nil }
        if last.isEmpty { return .from(start, last: nil) }
        // §14.1.1: a last position before the first makes the range invalid. Compared as
        // digits, since two numbers past Int64 saturate to the same value.
        guard let end = saturated(last), !precedes(last, first) else { return nil }
        return .from(start, last: end)
    }

    /// Whether the decimal number `left` is smaller than `right` (both all digits).
    private static func precedes(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> Bool {
        let left = left.drop { $0 == UInt8(ascii: "0") }
        let right = right.drop { $0 == UInt8(ascii: "0") }
        return left.count != right.count ? left.count < right.count : left.lexicographicallyPrecedes(right)
    }

    /// One or more ASCII digits as a number, Int64.max for a number beyond it; nil for anything
    /// else (an empty string, a sign, a space).
    private static func saturated(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            value = overflowTimes || overflowSum ? .max : sum
        }
        return value
    }
}
