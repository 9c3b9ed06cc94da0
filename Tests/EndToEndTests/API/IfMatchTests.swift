import Foundation
import TestSupport
import Testing

/// A file's ETag is its version; every request that changes a file (PATCH, DELETE, seals,
/// fallocate, PUT content) applies with If-Match only to a version the client saw (RFC 9110
/// §13.1.1), else 412 and nothing changes. A missing file is 404 and an invalid request 422
/// whatever the If-Match.
@Suite(.timeLimit(.scaledMinutes(10)))
struct IfMatchTests {
    /// A file of one allocated page whose first ETag is already stale: a write moved it on.
    static func fileWithStaleETag(_ tenant: Tenant) async throws -> (file: RemoteFile, stale: String) {
        let created = try await tenant.createFile(size: 4096)
        let stale = try #require(created.etag)
        try await tenant.write(Data([1]), to: created)
        let file = try await tenant.file(created.id)
        #expect(file.etag != stale)
        return (file, stale)
    }

    /// The If-Match headers a test sends, from the file's stale and current tags.
    enum Form: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case current, star, listWithTheCurrent, stale, listOfStaleOnes, weakCurrent, garbage

        var testDescription: String { rawValue }

        static let matching: [Form] = [.current, .star, .listWithTheCurrent]
        static let failing: [Form] = [.stale, .listOfStaleOnes, .weakCurrent, .garbage]

        func header(stale: String, current: String) -> String {
            switch self {
            case .current: current
            case .star: "*"
            case .listWithTheCurrent: "\(stale), \"999999\",\(current)"
            case .stale: stale
            case .listOfStaleOnes: "\(stale), \"999999\""
            case .weakCurrent: "W/\(current)"
            case .garbage: "garbage"
            }
        }
    }

    /// What a tenant sees of a file: its snapshot (with the ETag), bytes and the usage.
    struct Seen: Equatable {
        var file: RemoteFile
        var content: Data
        var usage: Usage

        init(_ file: RemoteFile, of tenant: Tenant) async throws {
            self.file = try await tenant.file(file.id)
            content = try await tenant.content(of: file)
            usage = try await tenant.usage()
        }
    }

    @Test(arguments: FileChange.allCases, Form.matching)
    func aChangeWithAMatchingIfMatchApplies(change: FileChange, form: Form) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(tenant)
        let header = form.header(stale: stale, current: try #require(file.etag))

        let reply = try await change.send(to: file, as: tenant, ifMatch: header)

        #expect(reply.status == change.success, "\(reply.text)")
        if change == .delete {
            #expect(try await tenant.client.get(file.path).status == 404)
            #expect(try await tenant.usage().files == 0)
        } else {
            let after = try await tenant.file(file.id)
            #expect(after.etag != file.etag)
            #expect(reply.header("ETag") == after.etag, "every change answers the file's new ETag")
        }
    }

    @Test(arguments: FileChange.allCases, Form.failing)
    func aChangeWithAnIfMatchThatIsNotTheETagIs412AndChangesNothing(change: FileChange, form: Form)
        async throws
    {
        let tenant = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(tenant)
        let before = try await Seen(file, of: tenant)

        let reply = try await change.send(
            to: file, as: tenant, ifMatch: form.header(stale: stale, current: try #require(file.etag)))

        #expect(reply.status == 412, "\(reply.text)")
        #expect(reply.problemKind == "precondition", "\(reply.text)")
        #expect(try await Seen(file, of: tenant) == before)
    }

    /// RFC 9110 §13.1.1 has If-Match fail on a resource that does not exist, but design.md §2
    /// answers 404 for another tenant's id whatever comes with it: no header may tell the two
    /// apart. The same holds for a file the tenant deleted.
    @Test(arguments: FileChange.allCases)
    func aFileThatIsNotTheTenantsIs404WhateverTheIfMatch(change: FileChange) async throws {
        let owner = try await Gmemd.api.newTenant()
        let intruder = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(owner)
        let before = try await Seen(file, of: owner)
        let (deleted, _) = try await Self.fileWithStaleETag(intruder)
        _ = try await intruder.client.delete(deleted.path).expecting(204, "delete")

        for header in ["*", stale, try #require(file.etag), "garbage"] {
            let foreign = try await change.send(to: file, as: intruder, ifMatch: header)
            let gone = try await change.send(to: deleted, as: intruder, ifMatch: header)

            #expect(foreign.status == 404, "\(header): \(foreign.text)")
            #expect(foreign.problemKind == "not-found", "\(foreign.text)")
            #expect(gone.status == 404, "\(header): \(gone.text)")
        }
        #expect(try await Seen(file, of: owner) == before)
    }

    /// The request is judged before the precondition: an invalid one says what is wrong with it,
    /// which a retry with the right tag would not fix.
    @Test(arguments: FileChange.allCases)
    func anInvalidChangeIs422BeforeItsStaleIfMatchIs412(change: FileChange) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, stale) = try await Self.fileWithStaleETag(tenant)
        let before = try await Seen(file, of: tenant)

        let reply = try await change.sendInvalid(to: file, as: tenant, ifMatch: stale)

        #expect(reply.status == 422, "\(reply.text)")
        #expect(try await Seen(file, of: tenant) == before)
    }

    /// Two clients saw the same version and both change the file with it: the file's lock lets
    /// one through, and the other finds the version moved on, whatever the order they arrive in.
    @Test(arguments: FileChange.keepingTheFile)
    func twoConcurrentChangesWithTheSameIfMatchAreOne200AndOne412(change: FileChange) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let (file, _) = try await Self.fileWithStaleETag(tenant)

        async let first = change.send(to: file, as: tenant, ifMatch: file.etag)
        async let second = change.send(to: file, as: tenant, ifMatch: file.etag)
        let replies = [try await first, try await second]

        #expect(replies.map(\.status).sorted() == [200, 412], "\(replies.map(\.text))")
        let applied = try #require(replies.first { $0.status == 200 })
        let after = try await tenant.file(file.id)
        #expect(after.etag != file.etag)
        #expect(applied.header("ETag") == nil || applied.header("ETag") == after.etag)
    }
}
