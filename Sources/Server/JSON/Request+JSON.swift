import FoundationEssentials
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

extension Request {
    /// The body decoded as `T`. Malformed JSON, wrong types and unknown fields are 400; a
    /// body that is not JSON by its Content-Type is 415; one larger than `T` can ever need is 413,
    /// and one nested deeper or with a longer array 422, before it is decoded (`JSONLimits`).
    func decodeJSON<T: JSONBody>(_: T.Type) throws(Problem) -> T {
        if let contentType = headers["Content-Type"], !Self.isJSON(contentType) {
            throw Problem(.unsupportedMediaType, detail: "send the body as Content-Type: application/json")
        }
        guard !body.isEmpty else { throw .badRequest("a JSON body is required") }
        try T.jsonLimits.check(body)
        if let value = FlatJSONDecoder.decode(T.self, from: body) { return value }
        return try Self.decodeWithFoundation(T.self, from: body)
    }

    /// `body` decoded by JSONDecoder, whose errors (DecodingError, or a Problem a DTO threw) are
    /// what the wire says of a bad body; the refusals of `FlatJSONDecoder` come here too.
    static func decodeWithFoundation<T: Decodable>(_: T.Type, from body: [UInt8]) throws(Problem) -> T {
        do {
            return try JSONCoding.decoder().decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw .badRequest(Self.describe(error))
        } catch let problem as Problem {
            throw problem
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
    }

    /// Whether `contentType` names JSON: `application/json` or a `+json` type, its parameters
    /// aside (the first part between semicolons that is not empty, without the whitespace around
    /// it, in any case). An ASCII value is judged on its bytes; another as Foundation trims and
    /// lowercases it (`isJSONByScalars`), which took 7% of a punch's CPU for the ASCII ones.
    static func isJSON(_ contentType: String) -> Bool {
        let bytes = contentType.utf8
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return isJSONByScalars(contentType) }
        guard let part = bytes.split(separator: UInt8(ascii: ";")).first else { return false }
        // Foundation's `.whitespaces` holds two ASCII characters: space and tab.
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let start = part.firstIndex { !isBlank($0) } ?? part.endIndex
        let end = part.lastIndex { !isBlank($0) }.map { part.index(after: $0) } ?? start
        let mediaType = part[start..<max(start, end)].map { $0 | (($0 >= 0x41 && $0 <= 0x5a) ? 0x20 : 0) }
        return mediaType.elementsEqual("application/json".utf8)
            || mediaType.reversed().starts(with: "nosj+".utf8)
    }

    /// `isJSON` for values that are not ASCII, as Foundation's `trimmingCharacters(in: .whitespaces)`
    /// and lowercasing judged them: `.whitespaces` is Unicode's space separators (Zs) and the tab.
    /// FoundationEssentials, which gmemd is built on, has no `trimmingCharacters(in:)`.
    static func isJSONByScalars(_ contentType: String) -> Bool {
        let isBlank = { (scalar: Unicode.Scalar) in
            scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator
        }
        let mediaType = contentType.split(separator: ";").first.map { part in
            let scalars = part.unicodeScalars
            let start = scalars.firstIndex { !isBlank($0) } ?? scalars.endIndex
            let end = scalars.lastIndex { !isBlank($0) }.map { scalars.index(after: $0) } ?? start
            return String(Substring(scalars[start..<max(start, end)])).lowercased()
        }
        return mediaType == "application/json" || (mediaType?.hasSuffix("+json") ?? false)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue.snakeCased }
            return names.isEmpty ? "the body" : "'" + names.joined(separator: ".") + "'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context)) must be \(jsonTypeName(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context)) must be \(jsonTypeName(type)), not null"
        case .keyNotFound(let key, _):
            return "missing field '\(key.stringValue.snakeCased)'"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty, context.underlyingError != nil {
                return "the body is not valid JSON"
            }
            return context.debugDescription.hasPrefix("unknown field")
                ? context.debugDescription : "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "the body does not match the schema"
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: "an integer"
        case is [Any].Type: "an array"
        default: "an object"
        }
    }
}

/// A request body a route decodes, with the limits its schema fits in.
protocol JSONBody: Decodable {
    static var jsonLimits: JSONLimits { get }
}
