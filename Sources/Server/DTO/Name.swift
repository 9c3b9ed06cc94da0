/// The one rule for every name a client gives: a tenant's, a VM's, a file's, a consumer's
/// `label`. 1 to 128 Unicode code points (as JSON Schema counts a string's length), every one
/// printable on one line: no control character (NUL, TAB, CR, LF, DEL, the C1 range) and no
/// line or paragraph separator. Checked here only, as a body is decoded, so every route refuses
/// a name alike (422 EINVAL); openapi.yaml's `Name` schema says the same.
enum Name {
    static let maxCodePoints = 128

    /// `text`, if it keeps the rule; else 422 naming `field`.
    static func checked(_ text: String, field: String) throws(Problem) -> String {
        let scalars = text.unicodeScalars
        guard !scalars.isEmpty, scalars.count <= maxCodePoints, scalars.allSatisfy(isPrintable) else {
            throw .unprocessable(
                "\(field) must be 1 to \(maxCodePoints) printable characters on one line: no control "
                    + "characters (NUL, TAB, CR, LF, DEL) and no line or paragraph separators")
        }
        return text
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: false
        default: true
        }
    }
}

extension KeyedDecodingContainer {
    /// The name under `key`, which must keep `Name`'s rule.
    func decodeName(forKey key: Key) throws -> String {
        try Name.checked(decode(String.self, forKey: key), field: key.stringValue)
    }

    /// The name under `key` if there is one; it must keep `Name`'s rule.
    func decodeNameIfPresent(forKey key: Key) throws -> String? {
        try decodeIfPresent(String.self, forKey: key).map { (text) throws(Problem) in
            try Name.checked(text, field: key.stringValue)
        }
    }
}
