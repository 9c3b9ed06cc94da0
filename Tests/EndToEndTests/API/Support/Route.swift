import Foundation
import TestSupport
import Testing

/// One route of the API with a body that would change something if it were accepted, so that
/// a refusal can be checked to have changed nothing. `{fid}` and `{tid}` are filled in per test.
struct Route: Sendable, CustomTestStringConvertible {
    var method: String
    var path: String
    var json: [String: any Sendable]?
    var bytes: Data?

    var testDescription: String { "\(method) \(path)" }

    func send(as client: APIClient, file: String = "", tenant: String = "", headers: [String: String] = [:])
        async throws -> HTTPReply
    {
        let path = path.replacingOccurrences(of: "{fid}", with: file).replacingOccurrences(
            of: "{tid}", with: tenant)
        var headers = headers
        var body = bytes
        if let json {
            body = try APIClient.encode(json)
            headers["Content-Type"] = "application/json"
        } else if bytes != nil {
            headers["Content-Type"] = "application/octet-stream"
        }
        return try await client.send(method, path, body: body, headers: headers)
    }

    /// Every route that takes a file id.
    static let file: [Route] = [
        Route(method: "GET", path: "/v1/files/{fid}"),
        Route(method: "PATCH", path: "/v1/files/{fid}", json: ["size": 8192]),
        Route(method: "DELETE", path: "/v1/files/{fid}"),
        Route(method: "GET", path: "/v1/files/{fid}/seals"),
        Route(method: "POST", path: "/v1/files/{fid}/seals", json: ["seals": ["grow"]]),
        Route(
            method: "POST", path: "/v1/files/{fid}/fallocate",
            json: ["mode": "allocate", "offset": 0, "length": 4096]),
        Route(
            method: "POST", path: "/v1/files/{fid}/fallocate",
            json: ["mode": "punch_hole", "offset": 0, "length": 4096]),
        Route(method: "GET", path: "/v1/files/{fid}/content"),
        Route(method: "HEAD", path: "/v1/files/{fid}/content"),
        Route(method: "PUT", path: "/v1/files/{fid}/content?offset=0", bytes: Data([7, 7, 7])),
    ]

    /// The tenant routes that take no file id.
    static let tenantWide: [Route] = [
        Route(method: "GET", path: "/v1/usage"),
        Route(method: "GET", path: "/v1/files"),
        Route(method: "POST", path: "/v1/files", json: ["name": "intruder", "size": 4096]),
    ]

    /// The admin routes; `{tid}` is a real tenant.
    static let admin: [Route] = [
        Route(method: "POST", path: "/v1/tenants", json: ["name": "intruder"]),
        Route(method: "GET", path: "/v1/tenants"),
        Route(method: "GET", path: "/v1/tenants/{tid}"),
        Route(method: "PATCH", path: "/v1/tenants/{tid}", json: ["limits": ["max_files": 1]]),
        Route(method: "DELETE", path: "/v1/tenants/{tid}"),
    ]
}
