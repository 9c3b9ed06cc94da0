import GuestMem
import SystemPackage
import TestSupport
import Testing

/// The fds files and downloads hold together are capped by the store's descriptor budget,
/// checked before the syscall, and each place comes back when its fd closes.
@Suite(.timeLimit(.scaledMinutes(10)))
struct DescriptorBudgetTests {
    static func store(limit: Int) throws -> (MemoryStore, TenantID) {
        let store = MemoryStore(descriptors: DescriptorBudget(limit: limit))
        let tenant = TenantID.random()
        try store.addTenant(tenant, limits: Fixture.roomy)
        return (store, tenant)
    }

    @Test func fileBeyondTheBudgetIsRefusedWithEMFILEAndChangesNothing() throws {
        let (store, tenant) = try Self.store(limit: 2)
        _ = try store.createFile(for: tenant, name: "a", size: 0)
        _ = try store.createFile(for: tenant, name: "b", size: 0)

        let error = #expect(throws: GuestMemError.self) {
            try store.createFile(for: tenant, name: "c", size: 0)
        }

        #expect(error?.errno == .tooManyOpenFiles)
        #expect(try store.usage(of: tenant).files == 2)
        #expect(store.descriptors.heldCount == 2)
        #expect(store.descriptors.refusalCount == 1)
    }

    @Test func deletingAFileOrClosingADownloadGivesItsPlaceBack() throws {
        let (store, tenant) = try Self.store(limit: 2)
        let first = try store.createFile(for: tenant, name: "a", size: 4096)
        let download = try store.openContent(first.id, of: tenant)
        #expect(throws: GuestMemError.self) { try store.createFile(for: tenant, name: "b", size: 0) }

        download.close()
        let second = try store.createFile(for: tenant, name: "b", size: 0)
        try store.deleteFile(first.id, of: tenant)
        try store.deleteFile(second.id, of: tenant)

        #expect(store.descriptors.heldCount == 0)
    }

    @Test func removingATenantGivesBackEveryPlaceItsFilesHeld() throws {
        let (store, tenant) = try Self.store(limit: 8)
        for index in 0..<8 { _ = try store.createFile(for: tenant, name: "f\(index)", size: 0) }

        try store.removeTenant(tenant)

        #expect(store.descriptors.heldCount == 0)
    }
}
