import Foundation

/// The one place the wire's JSON conventions are set: snake_case keys, sorted for stable output.
enum JSONCoding {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }

    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        // Our DTOs hold only strings, integers, booleans and arrays of them: encoding cannot fail.
        Array(try! encoder().encode(value))
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
    /// Refuses a JSON object with a field that `Keys` does not name: a misspelt field is a
    /// client bug, and ignoring it would silently apply a default instead.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_: Keys.Type) throws {
        let known = Set(Keys.allCases.map(\.stringValue))
        let present = try container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
        if let unknown = present.first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: "unknown field '\(unknown.snakeCased)'"))
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
