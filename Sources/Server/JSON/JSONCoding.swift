import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// The one place the wire's JSON conventions are set: snake_case keys, sorted for stable,
/// readable output (measured: sorting costs under 5% of a GET of a file).
enum JSONCoding {
    /// One encoder for every response: JSONEncoder is thread-safe once configured, and making
    /// one per response showed in profiles.
    private static let shared: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Our DTOs hold only strings, integers, booleans and arrays of them: encoding cannot fail.
        Array(try! shared.encode(value))
    }
}

/// A key of any name, to list what a JSON object really holds.
struct AnyKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// Refuses a JSON object with a field that `Keys` does not name, or a field set to null: a
    /// misspelt field is a client bug, and ignoring it would silently apply a default instead.
    /// Keys are judged in name order, as `allKeys` comes in an order that changes from one run
    /// to the next: the same body always gets the same answer (a fuzz finding, issue 14 item 6).
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        if let flat = self as? FlatJSONDecoder { return try flat.requireKnownKeys(Keys.self) }
        let known = Set(Keys.allCases.map(\.stringValue))
        let object = try container(keyedBy: AnyKey.self)
        let keys = object.allKeys.sorted { $0.stringValue < $1.stringValue }
        let unknown = keys.filter { !known.contains($0.stringValue) }.map { "'\($0.stringValue.snakeCased)'" }
        if !unknown.isEmpty {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath,
                    debugDescription: "unknown field\(unknown.count == 1 ? "" : "s") "
                        + unknown.joined(separator: ", ")))
        }
        for key in keys {
            // No gmemd field takes null: leave an optional field out instead. Treating null as
            // "absent" would make `{"limits": {"max_bytes": null}}` silently mean the default.
            if try object.decodeNil(forKey: key) {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: codingPath + [key],
                        debugDescription: "must not be null; leave the field out instead"))
            }
        }
    }
}

extension String {
    /// `maxBytes` → `max_bytes`, to name a field in an error the way the client spelt it.
    var snakeCased: String { splittingWords(with: "_") }

    /// `maxBodyBytes` → `max-body-bytes`, as a flag spells it.
    var kebabCased: String { splittingWords(with: "-") }

    private func splittingWords(with separator: String) -> String {
        var result = ""
        for character in self {
            if character.isUppercase {
                result += separator + character.lowercased()
            } else {
                result.append(character)
            }
        }
        return result
    }
}
