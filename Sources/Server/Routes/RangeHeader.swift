/// One `Range: bytes=…` request (RFC 9110 §14.1.2), resolved against a representation's size.
enum RangeHeader {
    case whole
    case part(offset: Int64, length: Int64)
    case unsatisfiable

    /// Reads `value` against `size`. A header that is not one well-formed byte range (several
    /// ranges, another unit, garbage) is ignored and the whole body is sent, as §14.2 allows.
    init(_ value: String?, size: Int64) {
        guard let value, value.hasPrefix("bytes="), !value.contains(",") else {
            self = .whole
            return
        }
        let spec = value.dropFirst(6).trimmingCharacters(in: [" "])
        guard let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let first = spec[..<dash]
        let last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            // Suffix form `-N`: the last N bytes.
            guard let suffix = Int64(last), suffix >= 0 else {
                self = .whole
                return
            }
            self =
                suffix == 0 || size == 0
                ? .unsatisfiable : .part(offset: size - min(suffix, size), length: min(suffix, size))
            return
        }
        guard let start = Int64(first), start >= 0 else {
            self = .whole
            return
        }
        var end = size - 1
        if !last.isEmpty {
            guard let stated = Int64(last), stated >= start else {
                self = .whole
                return
            }
            end = min(stated, size - 1)
        }
        self = start >= size ? .unsatisfiable : .part(offset: start, length: end - start + 1)
    }
}
