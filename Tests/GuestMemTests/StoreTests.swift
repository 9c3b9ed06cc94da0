import GuestMem
import SystemPackage
import TestSupport
import Testing

/// Files as resources: create, get, list, resize, delete, versions, tenants.
@Suite(.timeLimit(.scaledMinutes(10)))
struct StoreTests {
    @Test func newFileHasItsNameSizeAndNothingAllocated() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 12345, name: String(repeating: "n", count: 249))
        #expect(file.name.count == 249)
        #expect(file.size == 12345)
        #expect(file.allocatedBytes == 0)
        #expect(file.backend == .memfd)
        #expect(file.seals == [])
        #expect(file.version == 1)
        #expect(file.createdAt == file.updatedAt)
        #expect(FileID(file.id.rawValue) == file.id)
    }

    @Test func nameWithANULIsInvalidWithEINVALAndUsesNoFileSlot() throws {
        let fixture = try Fixture()
        let error = #expect(throws: GuestMemError.self) { try fixture.create(name: "nul\u{0}byte") }
        #expect(error?.kind == .invalid)
        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.usage().files == 0)
    }

    /// memfd_create(2) takes 249 bytes; 128 two-byte characters are 256.
    @Test(arguments: [String(repeating: "n", count: 250), String(repeating: "é", count: 128)])
    func nameLongerThanTheKernelTakesIsKeptWhole(name: String) throws {
        let fixture = try Fixture()
        let file = try fixture.create(name: name)
        #expect(file.name == name)
        #expect(try fixture.store.file(file.id, of: fixture.tenant).name == name)
    }

    @Test(.lacks(.hugePages))
    func hugetlbFileWhereTheHostHasNoHugePagesIsUnsupportedWithENODEV() throws {
        let fixture = try Fixture()
        let error = #expect(throws: GuestMemError.self) {
            try fixture.create(flags: FileFlags(hugetlb: true))
        }
        #expect(error?.kind == .unsupported)
        #expect(error?.errno == .operationNotSupportedByDevice)
        #expect(try fixture.usage().files == 0)
    }

    @Test(.needsHugePages)
    func hugetlbFileAllocatesWholeHugePages() throws {
        let fixture = try Fixture()
        let hugePage = Host.capabilities.defaultHugePageSize
        let file = try fixture.create(size: hugePage, flags: FileFlags(hugetlb: true))
        let allocated = try fixture.allocate(file.id, 0, 4096)
        #expect(allocated.allocatedBytes == hugePage)
        #expect(try fixture.usage().allocatedBytes == hugePage)
    }

    @Test func filesArePagedInIDOrderUntilTheLastPage() throws {
        let fixture = try Fixture()
        let ids = try (0..<25).map { _ in try fixture.create().id }.sorted()

        var seen: [FileID] = []
        var cursor: FileID?
        var pages = 0
        repeat {
            let page = try fixture.store.files(of: fixture.tenant, after: cursor, limit: 10)
            seen += page.items.map(\.id)
            cursor = page.next
            pages += 1
        } while cursor != nil

        #expect(seen == ids)
        #expect(pages == 3)
    }

    @Test func cursorOfADeletedFileStillMarksThePlace() throws {
        let fixture = try Fixture()
        let ids = try (0..<5).map { _ in try fixture.create().id }.sorted()
        try fixture.store.deleteFile(ids[1], of: fixture.tenant)

        let page = try fixture.store.files(of: fixture.tenant, after: ids[1], limit: 10)

        #expect(page.items.map(\.id) == Array(ids[2...]))
        #expect(page.next == nil)
    }

    @Test func pageLimitBelowOneIsInvalid() throws {
        let fixture = try Fixture()
        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.files(of: fixture.tenant, limit: 0)
        }
        #expect(error?.errno == .invalidArgument)
    }

    @Test func resizeWithAStaleVersionIsPreconditionFailedAndChangesNothing() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4096)
        let resized = try fixture.store.resize(
            file.id, of: fixture.tenant, to: 8192, expecting: [file.version])
        #expect(resized.version == file.version + 1)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.resize(file.id, of: fixture.tenant, to: 0, expecting: [file.version])
        }

        #expect(error?.kind == .preconditionFailed)
        #expect(try fixture.get(file.id) == resized)
    }

    @Test func deleteWithAStaleVersionIsPreconditionFailedAndKeepsTheFile() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        try fixture.addSeals(.grow, to: file.id)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.deleteFile(file.id, of: fixture.tenant, expecting: [file.version])
        }

        #expect(error?.kind == .preconditionFailed)
        #expect(try fixture.get(file.id).seals == .grow)
    }

    @Test func deletedFileIsNotFoundAndFreesItsPagesAndSlot() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        try fixture.allocate(file.id, 0, 1 << 20)

        try fixture.store.deleteFile(file.id, of: fixture.tenant, expecting: [2])

        #expect(throws: GuestMemError.notFound("no file \(file.id)")) { try fixture.get(file.id) }
        #expect(try fixture.usage() == TenantUsage())
        #expect(try fixture.store.files(of: fixture.tenant, limit: 10).items.isEmpty)
    }

    @Test func removedTenantAndItsFilesAreNotFound() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        try fixture.store.removeTenant(fixture.tenant)

        let refusals = [
            #expect(throws: GuestMemError.self) { try fixture.get(file.id) },
            #expect(throws: GuestMemError.self) { try fixture.usage() },
            #expect(throws: GuestMemError.self) { try fixture.create() },
            #expect(throws: GuestMemError.self) { try fixture.store.removeTenant(fixture.tenant) },
        ]

        #expect(refusals.map { $0?.kind } == Array(repeating: .notFound, count: 4))
    }

    @Test func addingATenantTwiceIsRefusedWithEEXIST() throws {
        let fixture = try Fixture()
        let error = #expect(throws: GuestMemError.self) { try fixture.store.addTenant(fixture.tenant) }
        #expect(error?.errno == .fileExists)
    }

    @Test(arguments: [
        "", "file_", "ten_0123456789abcdefghjkmnpqrs", "file_0123456789abcdefghjkmnpqr",
        "file_0123456789abcdefghjkmnpqrst", "file_0123456789ABCDEFGHJKMNPQRS",
        "file_0123456789abcdefghjkmnpqru",
    ])
    func malformedFileIDIsNotAnID(raw: String) {
        #expect(FileID(raw) == nil)
    }

    @Test func randomIDsHaveTheirPrefixAndAreDistinct() {
        let ids = (0..<1000).map { _ in FileID.random() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.rawValue.hasPrefix("file_") && FileID($0.rawValue) == $0 })
        #expect(TenantID.random().rawValue.hasPrefix("ten_"))
    }
}
