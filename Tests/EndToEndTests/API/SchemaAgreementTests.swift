import Foundation
import TestSupport
import Testing

/// What openapi.yaml's schemas allow gmemd takes, and what they refuse it refuses before judging
/// If-Match: a malformed or impossible request is 400 or 422 whatever its precondition says
/// (RFC 9110 §13.2.1), and changes nothing. Found by the contract run (SchemathesisTests).
@Suite(.timeLimit(.scaledMinutes(10)))
struct SchemaAgreementTests {
    /// An If-Match that can never match: the refusal must still be the body's or the query's.
    static let staleTag = "\"999999\""

    struct BadRequest: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var method: String
        var query = ""
        var body: String?
        var status: Int
    }

    static let badFileRequests = [
        BadRequest(testDescription: "PATCH without a body", method: "PATCH", status: 400),
        BadRequest(testDescription: "PATCH size null", method: "PATCH", body: #"{"size":null}"#, status: 400),
        BadRequest(testDescription: "PATCH size -1", method: "PATCH", body: #"{"size":-1}"#, status: 422),
        BadRequest(testDescription: "DELETE force=null", method: "DELETE", query: "?force=null", status: 422),
    ]

    @Test(arguments: badFileRequests)
    func badFileRequestWithAStaleIfMatchIsRefusedForWhatItIsAndChangesNothing(request: BadRequest)
        async throws
    {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)
        var headers = ["If-Match": Self.staleTag]
        if request.body != nil { headers["Content-Type"] = "application/json" }

        let reply = try await tenant.client.send(
            request.method, file.path + request.query, body: request.body.map { Data($0.utf8) },
            headers: headers)

        #expect(reply.status == request.status, "\(reply.text)")
        #expect(reply.problem?.status == request.status)
        #expect(try await tenant.file(file.id) == file)
    }

    @Test(arguments: [#"{"limits":{"max_files":-1}}"#, "", #"{"limits":null}"#])
    func badTenantPatchWithAStaleIfMatchIsRefusedForWhatItIsAndChangesNothing(body: String) async throws {
        let admin = try Admin(try await Gmemd.api.running())
        let tenant = try await admin.createTenant(limits: ["max_files": 7])
        let before = try await admin.client.get("/v1/tenants/\(tenant.id)").expecting(200, "get tenant")

        let reply = try await admin.client.send(
            "PATCH", "/v1/tenants/\(tenant.id)", body: Data(body.utf8),
            headers: ["Content-Type": "application/json", "If-Match": Self.staleTag])

        #expect(reply.status == (body.contains("-1") ? 422 : 400), "\(reply.text)")
        let after = try await admin.client.get("/v1/tenants/\(tenant.id)").expecting(200, "get tenant")
        #expect(after.header("ETag") == before.header("ETag"))
        #expect((after.json?["limits"] as? [String: Any])?["max_files"] as? Int == 7)
    }

    /// openapi.yaml says every integer in a request is an int64 (its `format`); one past that
    /// range cannot be a limit.
    @Test func limitPastInt64Is400AndChangesNothing() async throws {
        let admin = try Admin(try await Gmemd.api.running())
        let tenant = try await admin.createTenant(limits: ["max_files": 7])

        let reply = try await admin.client.send(
            "PATCH", "/v1/tenants/\(tenant.id)",
            body: Data(#"{"limits":{"max_files":9223372036854775808}}"#.utf8),
            headers: ["Content-Type": "application/json"])

        #expect(reply.status == 400, "\(reply.text)")
        let after = try await admin.client.get("/v1/tenants/\(tenant.id)").expecting(200, "get tenant")
        #expect((after.json?["limits"] as? [String: Any])?["max_files"] as? Int == 7)
    }

    /// On an instance of its own: on the shared one, other tests make and delete tenants
    /// between the two listings, and the first tenant changes under them.
    @Test func emptyCursorIsTheFirstPageOfFilesAndOfTenants() async throws {
        try await Gmemd.withInstance([]) { gmemd in
            let admin = try Admin(gmemd)
            let tenant = try await admin.createTenant()
            _ = try await admin.createTenant()
            let file = try await tenant.createFile(size: 0)

            let files = try await tenant.client.get("/v1/files?cursor=").expecting(200, "files, empty cursor")
            let tenants = try await admin.client.get("/v1/tenants?cursor=&limit=1").expecting(200, "tenants")
            let first = try await admin.client.get("/v1/tenants?limit=1").expecting(200, "tenants")

            #expect((files.json?["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [file.id])
            func ids(_ page: HTTPReply) -> [String?]? {
                (page.json?["items"] as? [[String: Any]])?.map { $0["id"] as? String }
            }
            #expect(ids(tenants)?.count == 1)
            #expect(ids(tenants) == ids(first))
        }
    }

    @Test func contentPutWithoutABodyWritesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let reply = try await tenant.client.send("PUT", file.path + "/content?offset=4096")

        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json?["written"] as? Int == 0)
        #expect(reply.json?["size"] as? Int == 4096)
        #expect(try await tenant.file(file.id) == file)
    }
}
