/// libFuzzer target for the Range header (scripts/fuzz.sh builds it with swiftc
/// -sanitize=fuzzer,address beside Sources/Server/Routes/RangeHeader.swift). The first byte of
/// an input picks the representation's size, the rest is the header value. RangeHeader must
/// agree with a model written another way (a regular expression and decimal strings compared
/// by length, so no number can overflow), and a part must lie inside the representation.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzRange(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let sizes: [Int64] = [0, 1, 2, 10, 100, 4096, 65536, 1 << 40, Int64.max]
    let length = sizes[Int(data[0]) % sizes.count]
    let value = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    let answer = RangeHeader(value, size: length)
    if case .part(let offset, let count) = answer {
        precondition(
            offset >= 0 && count >= 1 && count <= length - offset, "\(answer) is not inside \(length)")
    }
    let expected = model(value, size: length)
    precondition(answer == expected, "Range '\(value)' of \(length): \(answer), expected \(expected)")
    return 0
}

private func model(_ value: String, size: Int64) -> RangeHeader {
    let pattern = /^[Bb][Yy][Tt][Ee][Ss]=[ \t]*([0-9]*)-([0-9]*)[ \t]*$/
    guard let match = value.wholeMatch(of: pattern.matchingSemantics(.unicodeScalar)) else { return .whole }
    let first = Decimal(match.1)
    let last = Decimal(match.2)
    let total = Decimal(String(size))
    guard let first else {
        guard let last else { return .whole }
        if last.isZero { return .unsatisfiable }
        if total.isZero { return .whole }
        let count = last < total ? last : total
        return .part(offset: size - count.value!, length: count.value!)
    }
    if let last, last < first { return .whole }
    if !(first < total) { return .unsatisfiable }
    let end = last.map { $0 < total ? $0.value! : size - 1 } ?? size - 1
    return .part(offset: first.value!, length: end - first.value! + 1)
}

/// A non-negative decimal number of any length, as its digits without leading zeros.
private struct Decimal: Comparable {
    let digits: Substring

    init?(_ text: Substring) {
        guard !text.isEmpty else { return nil }
        digits = text.drop { $0 == "0" }
    }

    init(_ text: String) { self.init(text[...])! }

    var isZero: Bool { digits.isEmpty }

    /// Its value, when it fits in Int64.
    var value: Int64? { isZero ? 0 : Int64(digits) }

    static func < (left: Decimal, right: Decimal) -> Bool {
        left.digits.count != right.digits.count
            ? left.digits.count < right.digits.count : left.digits < right.digits
    }
}
