import Foundation
import HTTP

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

    private static func isJSON(_ contentType: String) -> Bool {
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
            .lowercased()
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
