/// libFuzzer target for the query parser (scripts/fuzz.sh builds it with swiftc
/// -sanitize=fuzzer,address beside Sources/HTTP's message files). Two properties per input:
/// - Its bytes, cut at 0xFF into name/value pairs of any Unicode text, percent-encoded into a
///   query: `queryValue(name)` answers each name's first value, exactly as it was.
/// - Its bytes squeezed into visible ASCII (all a request line lets through) as a raw query:
///   `queryValue` answers, for every name in it, what a model that splits and decodes the
///   query with byte arrays answers.
/// Names match by their bytes, not by Unicode equivalence: `%C3%A9` is not `e%CC%81`.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    checkEncodedPairs(input)
    checkRawQuery(input.map { 0x21 + $0 % 0x5E })
    return 0
}

private func checkEncodedPairs(_ input: [UInt8]) {
    let texts = input.split(separator: 0xFF, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    var pairs: [(String, String)] = []
    for start in stride(from: 0, to: texts.count - 1, by: 2) {
        pairs.append((texts[start], texts[start + 1]))
    }
    let query = pairs.map { encoded($0.0) + "=" + encoded($0.1) }.joined(separator: "&")
    let request = Request(method: .get, target: "/v1/files?" + query)
    for (name, _) in pairs where !name.isEmpty {
        let first = pairs.first { $0.0.utf8.elementsEqual(name.utf8) }!.1
        precondition(
            request.queryValue(name) == first,
            "'\(name)' in ?\(query): \(String(describing: request.queryValue(name))), expected '\(first)'")
    }
}

/// Every byte but the unreserved ones as %XX, so decoding must give the text back exactly.
private func encoded(_ text: String) -> String {
    var out = ""
    for byte in text.utf8 {
        let scalar = Unicode.Scalar(byte)
        if byte < 0x80,
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || "-._~".unicodeScalars.contains(scalar)
        {
            out.unicodeScalars.append(scalar)
        } else {
            let hex = Array("0123456789ABCDEF".utf8)
            out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
        }
    }
    return out
}

private func checkRawQuery(_ query: [UInt8]) {
    let request = Request(method: .get, target: "/v1/files?" + String(decoding: query, as: UTF8.self))
    let pairs = query.split(separator: UInt8(ascii: "&")).map { pair -> ([UInt8], [UInt8]?) in
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
            return (decodedModel(pair[...]), nil)
        }
        return (decodedModel(pair[..<equals]), decodedModel(pair[(equals + 1)...]))
    }
    // A name that does not decode to valid UTF-8 cannot be asked for by a String: skip it.
    for (name, _) in pairs where String(validating: name, as: UTF8.self) != nil {
        let value = pairs.first { $0.0 == name }!.1
        let text = String(decoding: name, as: UTF8.self)
        let expected = String(decoding: value ?? [], as: UTF8.self)
        precondition(
            request.queryValue(text) == expected,
            "'\(text)' in raw query: \(String(describing: request.queryValue(text))), expected '\(expected)'")
    }
}

/// `+` is a space; `%` and two hex digits a byte; everything else, malformed escapes included, itself.
private func decodedModel(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
    var out: [UInt8] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
        let byte = bytes[index]
        let escape = index + 2 < bytes.endIndex ? bytes[(index + 1)...(index + 2)] : []
        if byte == UInt8(ascii: "%"), escape.count == 2,
            escape.allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit })
        {
            out.append(UInt8(String(decoding: escape, as: UTF8.self), radix: 16)!)
            index += 3
        } else {
            out.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index += 1
        }
    }
    return out
}
