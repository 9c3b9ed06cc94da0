import Foundation
import TestSupport

/// One caller of gmemd's API: the bearer token it sends (none for an anonymous caller) on
/// every request, over URLSession as a Swift client would.
struct APIClient: Sendable {
    let gmemd: Gmemd
    let token: String?

    func send(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:])
        async throws -> HTTPReply
    {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try await gmemd.request(method, path, body: body, headers: headers)
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> HTTPReply {
        try await send("GET", path, headers: headers)
    }

    func head(_ path: String) async throws -> HTTPReply { try await send("HEAD", path) }

    /// `json` (a dictionary JSONSerialization takes) as an application/json body, with `headers`.
    func post(_ path: String, json: [String: any Sendable], headers: [String: String] = [:]) async throws
        -> HTTPReply
    {
        try await send(
            "POST", path, body: try Self.encode(json),
            headers: headers.merging(["Content-Type": "application/json"]) { $1 })
    }

    func patch(_ path: String, json: [String: any Sendable], ifMatch: String? = nil) async throws -> HTTPReply
    {
        var headers = ["Content-Type": "application/json"]
        headers["If-Match"] = ifMatch
        return try await send("PATCH", path, body: try Self.encode(json), headers: headers)
    }

    func put(_ path: String, bytes: Data) async throws -> HTTPReply {
        try await send("PUT", path, body: bytes, headers: ["Content-Type": "application/octet-stream"])
    }

    func delete(_ path: String, ifMatch: String? = nil) async throws -> HTTPReply {
        try await send("DELETE", path, headers: ifMatch.map { ["If-Match": $0] } ?? [:])
    }

    static func encode(_ json: [String: any Sendable]) throws -> Data {
        try JSONSerialization.data(withJSONObject: json as [String: Any])
    }
}

/// A reply other than the one a setup step needs; the test cannot go on to its assertions.
struct UnexpectedReply: Error, CustomStringConvertible {
    let description: String
}

extension HTTPReply {
    /// This reply, if its status is `status`; else an error naming `step` and what came instead.
    func expecting(_ status: Int, _ step: String) throws -> HTTPReply {
        guard self.status == status else {
            throw UnexpectedReply(description: "\(step): expected \(status), got \(self.status): \(text)")
        }
        return self
    }

    /// The body decoded as `T`, with the wire's snake_case names.
    func decoded<T: Decodable>(_: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: body)
    }
}
