import GuestMem
import SystemPackage
import TestSupport
import Testing

/// A tenant reaches only its own files: another tenant's id answers exactly as an unknown one.
@Suite(.timeLimit(.scaledMinutes(10)))
struct IsolationTests {
    enum Call: String, CaseIterable, CustomTestStringConvertible {
        case get, resize, delete, seals, addSeals, allocate, punch, read, openContent, write
        var testDescription: String { rawValue }

        func run(_ id: FileID, as tenant: TenantID, in store: MemoryStore) throws {
            let range = try ByteRange(offset: 0, length: 4096)
            switch self {
            case .get: _ = try store.file(id, of: tenant)
            case .resize: _ = try store.resize(id, of: tenant, to: 0)
            case .delete: try store.deleteFile(id, of: tenant)
            case .seals: _ = try store.seals(id, of: tenant)
            case .addSeals: _ = try store.addSeals(.seal, to: id, of: tenant)
            case .allocate:
                _ = try store.fallocate(id, of: tenant, mode: .allocate(keepSize: false), range: range)
            case .punch: _ = try store.fallocate(id, of: tenant, mode: .punchHole, range: range)
            case .read: _ = try store.read(id, of: tenant, range: range)
            case .openContent: try store.openContent(id, of: tenant).close()
            case .write: _ = try store.write(id, of: tenant, offset: 0, bytes: [1])
            }
        }
    }

    @Test(arguments: Call.allCases)
    func anotherTenantsFileIsNotFoundAndUntouched(call: Call) throws {
        let owner = try Fixture()
        let stranger = TenantID.random()
        try owner.store.addTenant(stranger, limits: Fixture.roomy)
        let file = try owner.create(size: 8192)

        let error = #expect(throws: GuestMemError.self) {
            try call.run(file.id, as: stranger, in: owner.store)
        }

        #expect(error == .notFound("no file \(file.id)"))
        #expect(try owner.get(file.id) == file)
        #expect(try owner.store.usage(of: stranger) == TenantUsage())
    }

    @Test(arguments: Call.allCases)
    func unknownFileIsNotFound(call: Call) throws {
        let fixture = try Fixture()
        let id = FileID.random()
        let error = #expect(throws: GuestMemError.self) {
            try call.run(id, as: fixture.tenant, in: fixture.store)
        }
        #expect(error == .notFound("no file \(id)"))
    }

    @Test func listingShowsOnlyTheTenantsOwnFiles() throws {
        let owner = try Fixture()
        let other = TenantID.random()
        try owner.store.addTenant(other)
        _ = try owner.create()
        let theirs = try owner.store.createFile(for: other, name: "theirs", size: 0)

        #expect(try owner.store.files(of: other, limit: 10).items.map(\.id) == [theirs.id])
    }
}
