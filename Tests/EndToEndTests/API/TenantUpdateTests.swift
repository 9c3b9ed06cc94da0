import Foundation
import TestSupport
import Testing

/// `PATCH /v1/tenants/{tid}` merges its limits into the ones in force atomically: two at once
/// each keep what the other set, in memory and in tenants.json. A tenant's ETag is its version;
/// PATCH and DELETE with If-Match apply only to the version the admin saw (RFC 9110 §13.1.1).
@Suite(.timeLimit(.scaledMinutes(10)))
struct TenantUpdateTests {
    /// 300 pairs: 10 tenants, 30 rounds; in each round every tenant gets a `max_files` and a
    /// `max_consumers` PATCH at once. Every value must be there after its round and after a restart.
    @Test func concurrentPatchPairsLoseNothingInMemoryOnDiskOrAcrossARestart() async throws {
        let stateDirectory = try StateDirectory("patch")
        defer { stateDirectory.remove() }
        let (flags, tokenFile) = (stateDirectory.flags, stateDirectory.adminTokenFile)
        let rounds = 30

        let ids = try await Gmemd.withInstance(flags) { gmemd in
            let admin = try Admin(gmemd, tokenFile: tokenFile)
            var ids: [String] = []
            for index in 0..<10 { ids.append(try await admin.createTenant(name: "t\(index)").id) }
            for round in 1...rounds {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for id in ids {
                        for (limit, value) in [("max_files", 1000 + round), ("max_consumers", 2000 + round)] {
                            group.addTask {
                                _ = try await admin.client.patch(
                                    "/v1/tenants/\(id)", json: ["limits": [limit: value]]
                                )
                                .expecting(200, "PATCH \(limit) of \(id) in round \(round)")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let onDisk = try Self.limitsOnDisk(stateDirectory)
                for id in ids {
                    let served = try await admin.client.get("/v1/tenants/\(id)").expecting(200, "GET \(id)")
                    let limits = served.json?["limits"] as? [String: Any]
                    #expect(limits?["max_files"] as? Int == 1000 + round, "round \(round), \(id)")
                    #expect(limits?["max_consumers"] as? Int == 2000 + round, "round \(round), \(id)")
                    #expect(onDisk[id]?["max_files"] as? Int == 1000 + round, "round \(round), \(id) on disk")
                    #expect(
                        onDisk[id]?["max_consumers"] as? Int == 2000 + round, "round \(round), \(id) on disk")
                }
            }
            return ids
        }

        try await Gmemd.withInstance(flags) { gmemd in
            let admin = try Admin(gmemd, tokenFile: tokenFile)
            for id in ids {
                let limits =
                    try await admin.client.get("/v1/tenants/\(id)").expecting(200, "GET \(id)").json?[
                        "limits"] as? [String: Any]
                #expect(limits?["max_files"] as? Int == 1000 + rounds)
                #expect(limits?["max_consumers"] as? Int == 2000 + rounds)
            }
        }
    }

    /// Each tenant's `limits` object in STATE_DIR/tenants.json, by id.
    static func limitsOnDisk(_ stateDirectory: StateDirectory) throws -> [String: [String: Any]] {
        var limits: [String: [String: Any]] = [:]
        for record in try stateDirectory.tenantRecords() {
            guard let id = record["id"] as? String else { continue }
            limits[id] = record["limits"] as? [String: Any]
        }
        return limits
    }

    @Test func getPatchAndCreateAnswerAnETagThatEveryRealChangeMovesOn() async throws {
        let admin = try Admin(try await Gmemd.api.running())
        let created = try await admin.client.post("/v1/tenants", json: ["name": "etag"]).expecting(
            201, "create")
        let id = try #require(created.json?["id"] as? String)
        let first = try #require(created.header("ETag"))

        let got = try await admin.client.get("/v1/tenants/\(id)").expecting(200, "GET")
        let patched = try await admin.client.patch("/v1/tenants/\(id)", json: ["limits": ["max_files": 3]])
            .expecting(200, "PATCH")
        let again = try await admin.client.patch("/v1/tenants/\(id)", json: ["limits": ["max_files": 3]])
            .expecting(200, "the same PATCH again")

        #expect(got.header("ETag") == first)
        #expect(patched.header("ETag") != first)
        #expect(again.header("ETag") == patched.header("ETag"))
        #expect(try await admin.client.get("/v1/tenants/\(id)").header("ETag") == patched.header("ETag"))
    }

    @Test(arguments: ["stale", "\"999999\"", "W/\"1\"", "garbage"])
    func patchOrDeleteWithAnIfMatchThatIsNotTheETagIs412AndChangesNothing(ifMatch: String) async throws {
        let admin = try Admin(try await Gmemd.api.running())
        let created = try await admin.client.post("/v1/tenants", json: ["name": "if-match"]).expecting(
            201, "create")
        let id = try #require(created.json?["id"] as? String)
        let stale = try #require(created.header("ETag"))
        let current = try await admin.client.patch("/v1/tenants/\(id)", json: ["limits": ["max_files": 5]])
            .expecting(200, "PATCH")
        let tag = ifMatch == "stale" ? stale : ifMatch

        let patch = try await admin.client.patch(
            "/v1/tenants/\(id)", json: ["limits": ["max_files": 9]], ifMatch: tag)
        let delete = try await admin.client.delete("/v1/tenants/\(id)", ifMatch: tag)

        #expect(patch.status == 412, "\(patch.text)")
        #expect(patch.problem?.status == 412)
        #expect(delete.status == 412, "\(delete.text)")
        let now = try await admin.client.get("/v1/tenants/\(id)").expecting(200, "the tenant is still there")
        #expect(now.header("ETag") == current.header("ETag"))
        #expect((now.json?["limits"] as? [String: Any])?["max_files"] as? Int == 5)
    }

    @Test func patchAndDeleteWithTheCurrentIfMatchApply() async throws {
        let admin = try Admin(try await Gmemd.api.running())
        let created = try await admin.client.post("/v1/tenants", json: ["name": "if-match"]).expecting(
            201, "create")
        let id = try #require(created.json?["id"] as? String)

        let patched = try await admin.client.patch(
            "/v1/tenants/\(id)", json: ["limits": ["max_files": 9]], ifMatch: created.header("ETag"))
        let deleted = try await admin.client.delete("/v1/tenants/\(id)", ifMatch: patched.header("ETag"))

        #expect(patched.status == 200, "\(patched.text)")
        #expect((patched.json?["limits"] as? [String: Any])?["max_files"] as? Int == 9)
        #expect(deleted.status == 204, "\(deleted.text)")
        #expect(try await admin.client.get("/v1/tenants/\(id)").status == 404)
    }
}
