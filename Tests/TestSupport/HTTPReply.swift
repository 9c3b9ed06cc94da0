package import Foundation

/// What a client saw, whichever client it was (URLSession, curl or a raw socket).
package struct HTTPReply: Sendable {
    package struct Field: Sendable {
        package var name: String, value: String
        package init(name: String, value: String) { (self.name, self.value) = (name, value) }
    }

    package var status: Int
    package var fields: [Field]
    package var body: Data

    package init(status: Int, fields: [Field], body: Data) {
        (self.status, self.fields, self.body) = (status, fields, body)
    }

    /// The first value of `name`, compared case-insensitively as RFC 9110 §5.1 says.
    package func header(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    package var contentType: String? { header("Content-Type") }

    /// The body as a JSON object, or nil if it is not one.
    package var json: [String: any Sendable]? {
        (try? JSONSerialization.jsonObject(with: body)) as? [String: any Sendable]
    }

    /// The RFC 9457 problem in the body, or nil unless the body is `application/problem+json`.
    package var problem: Problem? {
        guard contentType?.hasPrefix("application/problem+json") == true else { return nil }
        return try? JSONDecoder().decode(Problem.self, from: body)
    }

    package var text: String { String(decoding: body, as: UTF8.self) }

    /// The problem's kind: its `type` without the `urn:gmemd:problem:` every type starts with.
    package var problemKind: String? {
        guard let type = problem?.type, type.hasPrefix("urn:gmemd:problem:") else { return nil }
        return String(type.dropFirst("urn:gmemd:problem:".count))
    }
}

/// design.md §3: every error gmemd answers is one of these.
package struct Problem: Decodable, Sendable {
    package var type: String
    package var title: String
    package var status: Int
    package var detail: String
    package var errno: String?
}
