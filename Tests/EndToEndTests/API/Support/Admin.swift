import Foundation
import TestSupport

/// The admin of a running gmemd, with the token gmemd generated into its state directory.
struct Admin: Sendable {
    let client: APIClient

    /// Reads the admin token from `tokenFile`, by default the instance's `admin-token`.
    init(_ gmemd: Gmemd, tokenFile: URL? = nil) throws {
        let file = tokenFile ?? gmemd.stateDirectory.appending(path: "admin-token")
        let token = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        client = APIClient(gmemd: gmemd, token: token)
    }

    /// A new tenant; `limits` left out take gmemd's defaults.
    func createTenant(name: String = "e2e", limits: [String: Int64] = [:]) async throws -> Tenant {
        var body: [String: any Sendable] = ["name": name]
        if !limits.isEmpty { body["limits"] = limits }
        let reply = try await client.post("/v1/tenants", json: body).expecting(201, "create a tenant")
        let created = try reply.decoded(CreatedTenant.self)
        return Tenant(id: created.id, client: APIClient(gmemd: client.gmemd, token: created.token))
    }
}

/// The parts of `POST /v1/tenants`'s answer a test keeps: the id, and the token shown once.
private struct CreatedTenant: Decodable {
    var id: String
    var token: String
}

extension Gmemd {
    /// The instance the API tests share. Not `shared`: they create hundreds of tenants, and each
    /// creation rewrites and fsyncs tenants.json on an event loop, which would stall the
    /// HTTP-level tests' connections on the instance they share (see the memory-files issue report).
    static let api = SharedGmemd()
}

extension SharedGmemd {
    /// A new tenant on this shared instance, so that tests sharing it never see each other's files.
    func newTenant(limits: [String: Int64] = [:]) async throws -> Tenant {
        try await Admin(running()).createTenant(limits: limits)
    }
}
