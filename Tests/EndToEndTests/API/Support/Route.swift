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

    /// Headers the route always goes with (an event stream's Accept).
    var fixedHeaders: [String: String] = [:]

    var testDescription: String { "\(method) \(path)\(fixedHeaders.isEmpty ? "" : " \(fixedHeaders)")" }

    /// Sends the route with `{fid}` and `{tid}` filled in, and any other `{name}` from `ids`.
    func send(
        as client: APIClient, file: String = "", tenant: String = "", ids: [String: String] = [:],
        headers: [String: String] = [:]
    ) async throws -> HTTPReply {
        var path = path.replacingOccurrences(of: "{fid}", with: file).replacingOccurrences(
            of: "{tid}", with: tenant)
        for (name, id) in ids { path = path.replacingOccurrences(of: "{\(name)}", with: id) }
        var headers = headers.merging(fixedHeaders) { mine, _ in mine }
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

    /// Every route of a consumer, its events and pins, and a file's consumers and dirty log;
    /// `{cid}` is a consumer of `{fid}` and `{pid}` a pin of it.
    static let consumer: [Route] = [
        Route(method: "GET", path: "/v1/files/{fid}/consumers"),
        Route(method: "POST", path: "/v1/files/{fid}/consumers", json: ["kind": "generic"]),
        Route(method: "GET", path: "/v1/consumers/{cid}"),
        Route(method: "DELETE", path: "/v1/consumers/{cid}"),
        Route(method: "GET", path: "/v1/consumers/{cid}/events?after=0"),
        Route(
            method: "GET", path: "/v1/consumers/{cid}/events", fixedHeaders: ["Accept": "text/event-stream"]),
        Route(
            method: "POST", path: "/v1/consumers/{cid}/pins",
            json: ["offset": 4096, "length": 4096, "allocate": true]),
        Route(method: "GET", path: "/v1/consumers/{cid}/pins"),
        Route(method: "GET", path: "/v1/consumers/{cid}/pins/{pid}"),
        Route(method: "DELETE", path: "/v1/consumers/{cid}/pins/{pid}"),
        Route(method: "GET", path: "/v1/files/{fid}/dirty"),
        Route(method: "GET", path: "/v1/files/{fid}/dirty?clear=true"),
    ]

    /// The VM routes; `{vmid}` is a real VM.
    static let vm: [Route] = [
        Route(method: "POST", path: "/v1/vms", json: ["name": "intruder"]),
        Route(method: "GET", path: "/v1/vms"),
        Route(method: "GET", path: "/v1/vms/{vmid}"),
        Route(method: "DELETE", path: "/v1/vms/{vmid}"),
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
