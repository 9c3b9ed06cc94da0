import TestSupport
import Testing

/// Listings past one default page, at the largest limit, with another tenant's cursor, and with
/// files coming and going between pages (design.md §5).
@Suite(.timeLimit(.scaledMinutes(10)))
struct ListingEdgeTests {
    /// A new tenant with `count` empty files, their ids in listing (id) order.
    static func tenantWithFiles(_ count: Int) async throws -> (Tenant, [String]) {
        let tenant = try await Gmemd.api.newTenant(limits: ["max_files": Int64(count + 10)])
        var ids: [String] = []
        for index in 0..<count { ids.append(try await tenant.createFile(size: 0, name: "list-\(index)").id) }
        return (tenant, ids.sorted())
    }

    static func page(_ tenant: Tenant, _ query: String) async throws -> FilePage {
        try await tenant.client.get("/v1/files" + query).expecting(200, query).decoded(FilePage.self)
    }

    @Test func moreThanAHundredFilesComeInPagesOfAHundredByDefault() async throws {
        let (tenant, ids) = try await Self.tenantWithFiles(130)

        let first = try await Self.page(tenant, "")
        let cursor = try #require(first.nextCursor)
        let second = try await Self.page(tenant, "?cursor=\(cursor)")

        #expect(first.items.map(\.id) == Array(ids[..<100]))
        #expect(second.items.map(\.id) == Array(ids[100...]))
        #expect(second.nextCursor == nil)
    }

    @Test func limitOf1000ListsThemAllOnOnePageAndALargerOneIsInvalid() async throws {
        let (tenant, ids) = try await Self.tenantWithFiles(130)

        let all = try await Self.page(tenant, "?limit=1000")
        let refused = try await tenant.client.get("/v1/files?limit=1001")

        #expect(all.items.map(\.id) == ids)
        #expect(all.nextCursor == nil)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.problemKind == "invalid")
    }

    /// A cursor is a place in the id order, not a key to anyone's files: another tenant's shows
    /// the caller its own files after that place, and nothing of the other tenant's.
    @Test func anotherTenantsCursorListsOnlyTheCallersOwnFiles() async throws {
        let (owner, ownerIDs) = try await Self.tenantWithFiles(5)
        let (other, otherIDs) = try await Self.tenantWithFiles(5)
        let cursor = try #require(try await Self.page(owner, "?limit=2").nextCursor)

        let page = try await Self.page(other, "?cursor=\(cursor)")

        #expect(Set(page.items.map(\.id)).isDisjoint(with: ownerIDs))
        #expect(page.items.map(\.id) == otherIDs.filter { $0 > cursor })
    }

    /// Files deleted and created between pages: every file there throughout is listed exactly
    /// once, a deleted one not reached yet is not listed, and a new one exactly when it sorts
    /// after the cursor.
    @Test func filesChangingBetweenPagesAreListedOnceOrNotAtAll() async throws {
        let (tenant, ids) = try await Self.tenantWithFiles(12)
        let first = try await Self.page(tenant, "?limit=4")
        let cursor = try #require(first.nextCursor)
        let listed = first.items.map(\.id)
        let unreached = ids[8]
        _ = try await tenant.client.delete("/v1/files/\(listed[0])").expecting(204, "delete a listed file")
        _ = try await tenant.client.delete("/v1/files/\(unreached)").expecting(204, "delete an unlisted one")
        let added = try await tenant.createFile(size: 0, name: "added").id

        var seen = listed
        var next: String? = cursor
        for _ in 0..<10 {
            guard let place = next else { break }
            let page = try await Self.page(tenant, "?limit=4&cursor=\(place)")
            seen += page.items.map(\.id)
            next = page.nextCursor
        }

        #expect(next == nil)
        #expect(Set(seen).count == seen.count, "a file was listed twice: \(seen)")
        #expect(Set(ids).subtracting([listed[0], unreached]).isSubset(of: Set(seen)))
        #expect(!seen.contains(unreached))
        #expect(seen.contains(added) == (added > cursor))
    }

    @Test(arguments: ["ten_aaaaaaaaaaaaaaaaaaaaaaaaaa", "ten_", "file_aaaa", "nonsense"])
    func unknownTenantIDIs404ForGetPatchAndDelete(id: String) async throws {
        let admin = try Admin(try await Gmemd.api.running())

        let replies = [
            try await admin.client.get("/v1/tenants/\(id)"),
            try await admin.client.patch("/v1/tenants/\(id)", json: ["limits": ["max_files": 5]]),
            try await admin.client.delete("/v1/tenants/\(id)"),
        ]

        for reply in replies {
            #expect(reply.status == 404, "\(reply.text)")
            #expect(reply.problemKind == "not-found", "\(reply.text)")
        }
    }
}
