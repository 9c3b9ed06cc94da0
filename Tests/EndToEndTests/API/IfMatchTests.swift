import Foundation
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
}
