import Foundation
import TestSupport
import Testing

/// `GET /v1/tenants` while tenants are being deleted: a tenant removed after the listing took its
/// page is left out of that page; the listing never fails for it.
@Suite(.timeLimit(.scaledMinutes(10)))
struct TenantListingTests {
    @Test func listingWhileTenantsAreDeletedAnswers200WithoutThem() async throws {
        let stateDirectory = try StateDirectory("tenant-list")
        defer { stateDirectory.remove() }
        try await Gmemd.withInstance(stateDirectory.flags) { gmemd in
            let admin = try Admin(gmemd, tokenFile: stateDirectory.adminTokenFile)
            var ids: [String] = []
            for index in 0..<60 { ids.append(try await admin.createTenant(name: "listed\(index)").id) }
            let toDelete = ids

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for id in toDelete {
                        _ = try await admin.client.delete("/v1/tenants/\(id)").expecting(204, "delete \(id)")
                    }
                }
                group.addTask {
                    var listings = 0
                    var remaining = toDelete.count
                    while remaining > 0 {
                        let reply = try await admin.client.get("/v1/tenants?limit=1000").expecting(
                            200, "list while deleting (listing \(listings + 1))")
                        let items = try #require(reply.json?["items"] as? [[String: Any]])
                        let names = items.compactMap { $0["id"] as? String }
                        #expect(Set(names).count == names.count, "a tenant listed twice: \(names)")
                        remaining = names.count
                        listings += 1
                    }
                }
                try await group.waitForAll()
            }
            let after = try await admin.client.get("/v1/tenants").expecting(200, "list after")
            #expect((after.json?["items"] as? [[String: Any]])?.isEmpty == true)
        }
    }
}
