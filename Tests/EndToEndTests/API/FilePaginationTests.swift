import TestSupport
import Testing

/// Listings are paged by `limit` and `next_cursor` (design.md §5): following the cursors visits
/// every item exactly once, and the last page has no cursor.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FilePaginationTests {
    @Test(arguments: [1, 7, 23, 100])
    func pagingThroughFilesVisitsEachExactlyOnce(limit: Int) async throws {
        let tenant = try await Gmemd.api.newTenant()
        var created: [String] = []
        for index in 0..<23 { created.append(try await tenant.createFile(size: 0, name: "page-\(index)").id) }

        var seen: [String] = []
        var cursor: String?
        repeat {
            let query = "/v1/files?limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await tenant.client.get(query).expecting(200, query).decoded(FilePage.self)
            #expect(page.items.count <= limit)
            #expect(!page.items.isEmpty || seen.isEmpty)
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil && seen.count <= created.count

        #expect(seen.count == created.count)
        #expect(Set(seen) == Set(created))
    }

    @Test func pagingThroughTenantsVisitsEachExactlyOnce() async throws {
        let gmemd = try await Gmemd.api.running()
        let admin = try Admin(gmemd)
        var created: [String] = []
        for _ in 0..<5 { created.append(try await admin.createTenant().id) }

        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            pages += 1
            let query = "/v1/tenants?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
            let page = try await admin.client.get(query).expecting(200, query).decoded(TenantPage.self)
            #expect(page.items.count <= 2)
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil && pages < 100_000

        #expect(Set(seen).count == seen.count, "a tenant was listed twice")
        #expect(Set(created).isSubset(of: Set(seen)))
    }
}

/// A page of `GET /v1/tenants`: ids and names; tenants are made by tests running alongside.
struct TenantPage: Decodable {
    struct Item: Decodable {
        var id: String
        var name: String
    }
    var items: [Item]
    var nextCursor: String?
}
