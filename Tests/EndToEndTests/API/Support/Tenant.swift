import Foundation
import TestSupport

/// A tenant of a running gmemd, with its token: what the tests do as a tenant's script would.
struct Tenant: Sendable {
    let id: String
    let client: APIClient

    /// A new memfd of `size` bytes with creation `flags` (`allow_sealing`, `noexec_seal`, …).
    func createFile(size: Int64, name: String = "e2e", flags: [String: Bool] = [:]) async throws -> RemoteFile
    {
        var body: [String: any Sendable] = ["name": name, "size": size]
        if !flags.isEmpty { body["flags"] = flags }
        return try RemoteFile(await client.post("/v1/files", json: body), status: 201, "create a file")
    }

    /// The file as it is now.
    func file(_ id: String) async throws -> RemoteFile {
        try RemoteFile(await client.get("/v1/files/\(id)"), "get file \(id)")
    }

    /// The file's bytes, all of them.
    func content(of file: RemoteFile) async throws -> Data {
        try await client.get(file.path + "/content").expecting(200, "read \(file.id)").body
    }

    func usage() async throws -> Usage {
        try await client.get("/v1/usage").expecting(200, "usage").decoded(UsageReport.self).usage
    }

    /// Adds `seals`; the file must accept them.
    @discardableResult
    func addSeals(_ seals: [String], to file: RemoteFile) async throws -> [String] {
        let reply = try await client.post(file.path + "/seals", json: ["seals": seals])
        return try reply.expecting(200, "add seals \(seals)").decoded(SealList.self).seals
    }

    /// Writes `bytes` at `offset`; the file must take them.
    func write(_ bytes: Data, to file: RemoteFile, at offset: Int64 = 0) async throws {
        _ = try await client.put(file.path + "/content?offset=\(offset)", bytes: bytes)
            .expecting(200, "write \(bytes.count) bytes at \(offset)")
    }

    /// `POST …/fallocate` with `mode` over `[offset, offset + length)`.
    func fallocate(
        _ file: RemoteFile, _ mode: String, offset: Int64, length: Int64, keepSize: Bool? = nil
    ) async throws -> HTTPReply {
        var body: [String: any Sendable] = ["mode": mode, "offset": offset, "length": length]
        if let keepSize { body["keep_size"] = keepSize }
        return try await client.post(file.path + "/fallocate", json: body)
    }

    func resize(_ file: RemoteFile, to size: Int64, ifMatch: String? = nil) async throws -> HTTPReply {
        try await client.patch(file.path, json: ["size": size], ifMatch: ifMatch)
    }
}

/// `GET /v1/usage`: the tenant's limits and usage.
struct UsageReport: Decodable {
    var limits: [String: Int64]
    var usage: Usage
}

/// `{"seals": [...]}`, as the seals routes answer.
struct SealList: Decodable {
    var seals: [String]
}
