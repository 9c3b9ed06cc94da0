import GuestMem
import SystemPackage
import TestSupport
import Testing

/// A store whose KVM device cannot be opened: every KVM call says why, memfd files still work.
@Suite(.timeLimit(.scaledMinutes(10)))
struct VMUnavailableTests {
    static func store() throws -> (MemoryStore, TenantID) {
        let store = MemoryStore(kvm: KVMDevice(devicePath: "/nonexistent/kvm"))
        let tenant = TenantID.random()
        try store.addTenant(tenant)
        return (store, tenant)
    }

    @Test func everyKVMCallIsUnsupportedWithENODEVAndTheReason() throws {
        let (store, tenant) = try Self.store()
        let why = GuestMemError.unsupported(
            "KVM is unavailable: /nonexistent/kvm does not exist", errno: .operationNotSupportedByDevice)

        #expect(throws: why) { try store.createVM(for: tenant) }
        #expect(throws: why) { try store.vms(of: tenant, limit: 10) }
        #expect(throws: why) { try store.vm(.random(), of: tenant) }
        #expect(throws: why) { try store.deleteVM(.random(), of: tenant) }
        #expect(throws: why) {
            try store.createGuestMemfdFile(for: tenant, name: "g", size: 4096, vm: .random(), flags: .none)
        }
    }

    @Test func memfdFilesWorkWithoutKVM() throws {
        let (store, tenant) = try Self.store()

        let file = try store.createFile(for: tenant, name: "ram", size: 4096)
        let allocated = try store.fallocate(
            file.id, of: tenant, mode: .allocate(keepSize: false), range: ByteRange(offset: 0, length: 4096))

        #expect(allocated.allocatedBytes == 4096)
    }

    @Test func deviceThatIsNotKVMIsReportedAsSuch() {
        let device = KVMDevice(devicePath: "/dev/null")

        #expect(device.status == .failure(.notKVM("/dev/null", .inappropriateIOCTLForDevice)))
    }
}
