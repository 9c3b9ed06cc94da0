import Foundation
import TestSupport
import Testing

/// A file's ETag is its version; PATCH and DELETE with If-Match apply only to the version the
/// client saw (RFC 9110 §13.1.1), else 412 and nothing changes.
@Suite(.timeLimit(.minutes(5)))
struct IfMatchTests {
    /// A file whose first ETag is already stale: a write has moved it on.
    static func fileWithStaleETag(_ tenant: Tenant) async throws -> (file: RemoteFile, stale: String) {
        let created = try await tenant.createFile(size: 4096)
        let stale = try #require(created.etag)
        try await tenant.write(Data([1]), to: created)
        let file = try await tenant.file(created.id)
        #expect(file.etag != stale)
        return (file, stale)
    }

    @Test func patchWithAStaleIfMatchIs412AndResizesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(tenant)

        let refused = try await tenant.resize(file, to: 8192, ifMatch: stale)

        #expect(refused.status == 412, "\(refused.text)")
        #expect(refused.problem?.status == 412)
        #expect(try await tenant.file(file.id) == file)
    }

    @Test func patchWithTheCurrentIfMatchResizesAndAnswersANewETag() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, _) = try await Self.fileWithStaleETag(tenant)

        let resized = try RemoteFile(await tenant.resize(file, to: 8192, ifMatch: file.etag), "resize")

        #expect(resized.size == 8192)
        #expect(resized.etag != file.etag)
        #expect(try await tenant.file(file.id).etag == resized.etag)
    }

    @Test(arguments: ["stale", "\"999999\"", "W/\"1\"", "garbage"])
    func deleteWithAnIfMatchThatIsNotTheETagIs412AndKeepsTheFile(ifMatch: String) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(tenant)

        let refused = try await tenant.client.delete(file.path, ifMatch: ifMatch == "stale" ? stale : ifMatch)

        #expect(refused.status == 412, "\(refused.text)")
        #expect(try await tenant.file(file.id) == file)
        #expect(try await tenant.usage().files == 1)
    }

    @Test func deleteWithTheCurrentIfMatchDeletesTheFile() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, _) = try await Self.fileWithStaleETag(tenant)

        let deleted = try await tenant.client.delete(file.path, ifMatch: file.etag)

        #expect(deleted.status == 204)
        #expect(try await tenant.client.get(file.path).status == 404)
        #expect(try await tenant.usage().files == 0)
    }

    @Test func starMatchesAnExistingFileForPatchAndDelete() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, _) = try await Self.fileWithStaleETag(tenant)

        let resized = try await tenant.resize(file, to: 8192, ifMatch: "*")
        let deleted = try await tenant.client.delete(file.path, ifMatch: "*")

        #expect(resized.status == 200, "\(resized.text)")
        #expect(deleted.status == 204, "\(deleted.text)")
        #expect(try await tenant.client.get(file.path).status == 404)
    }

    /// RFC 9110 §13.1.1 has If-Match fail on a resource that does not exist, but design.md §2
    /// answers 404 for another tenant's id whatever comes with it: no header may tell the two apart.
    @Test(arguments: ["*", "\"1\"", "\"2\""])
    func anotherTenantsFileIs404WhateverTheIfMatch(ifMatch: String) async throws {
        let owner = try await Gmemd.api.newTenant()
        let intruder = try await Gmemd.api.newTenant()
        let (file, _) = try await Self.fileWithStaleETag(owner)

        let patch = try await intruder.resize(file, to: 8192, ifMatch: ifMatch)
        let delete = try await intruder.client.delete(file.path, ifMatch: ifMatch)

        #expect(patch.status == 404, "\(patch.text)")
        #expect(delete.status == 404, "\(delete.text)")
        #expect(try await owner.file(file.id) == file)
    }

    @Test func listOfStaleTagsIs412AndChangesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(tenant)

        let refused = try await tenant.resize(file, to: 8192, ifMatch: "\(stale), \"999999\"")

        #expect(refused.status == 412, "\(refused.text)")
        #expect(try await tenant.file(file.id) == file)
    }

    /// RFC 9110 §13.1.1: If-Match is a list, and any strong match applies the request.
    @Test func listThatHoldsTheCurrentTagApplies() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(tenant)
        let current = try #require(file.etag)

        await withKnownIssue("If-Match takes one tag, not a list (ETag.swift)") {
            let resized = try await tenant.resize(file, to: 8192, ifMatch: "\(stale), \(current)")
            #expect(resized.status == 200, "\(resized.text)")
        }
    }

    /// Two clients saw the same version and both resize with it: the file's lock lets one
    /// through, and the other finds the version moved on.
    @Test func twoConcurrentPatchesWithTheSameIfMatchAreOne200AndOne412() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, _) = try await Self.fileWithStaleETag(tenant)

        async let first = tenant.resize(file, to: 8192, ifMatch: file.etag)
        async let second = tenant.resize(file, to: 12288, ifMatch: file.etag)
        let statuses = [try await first.status, try await second.status].sorted()

        #expect(statuses == [200, 412])
        let after = try await tenant.file(file.id)
        #expect(after.size == 8192 || after.size == 12288)
        #expect(after.etag != file.etag)
    }
}
