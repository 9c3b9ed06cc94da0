import Foundation

/// What a client saw, whichever client it was (URLSession, curl or a raw socket).
struct HTTPReply: Sendable {
    struct Field: Sendable { var name: String, value: String }

    var status: Int
    var fields: [Field]
    var body: Data

    /// The first value of `name`, compared case-insensitively as RFC 9110 §5.1 says.
    func header(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    var contentType: String? { header("Content-Type") }

    /// The body as a JSON object, or nil if it is not one.
    var json: [String: any Sendable]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable]
    }

    /// The RFC 9457 problem in the body, or nil unless the body is `application/problem+json`.
    var problem: Problem? {
        guard contentType?.hasPrefix("application/problem+json") == true else { return nil }
        return try? JSONDecoder().decode(Problem.self, from: body)
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The problem's kind: its `type` without the `urn:gmemd:problem:` every type starts with.
    var problemKind: String? {
        guard let type = problem?.type, type.hasPrefix("urn:gmemd:problem:") else { return nil }
        return String(type.dropFirst("urn:gmemd:problem:".count))
    }
}

/// design.md §3: every error gmemd answers is one of these.
struct Problem: Decodable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var errno: String?
}
