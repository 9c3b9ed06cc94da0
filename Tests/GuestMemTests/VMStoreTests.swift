import Glibc
import GuestMem
import SystemPackage
import TestSupport
import Testing

/// VMs a tenant holds through the store: created, listed, limited, deleted, isolated.
@Suite(.timeLimit(.scaledMinutes(10)))
struct VMStoreTests {
    @Test(.needsKVM) func createdVMIsListedWithNoFilesAndTheHostsSlotLimit() throws {
        let fixture = try Fixture()

        let vm = try fixture.store.createVM(for: fixture.tenant, name: "guest")
        let listed = try fixture.store.vms(of: fixture.tenant, limit: 10)

        #expect(listed.items == [vm])
        #expect(vm.name == "guest" && vm.files.isEmpty && vm.memslots.isEmpty)
        #expect(vm.maxMemslots == (try fixture.store.features.kvmCapabilities().maxMemslots))
        #expect(try fixture.usage().vms == 1)
    }

    @Test(.needsKVM) func vmOverMaxVMsIsOverQuotaWithEDQUOTAndCreatesNothing() throws {
        var limits = Fixture.roomy
        limits.maxVMs = 2
        let fixture = try Fixture(limits: limits)
        for _ in 0..<2 { _ = try fixture.store.createVM(for: fixture.tenant) }

        let error = #expect(throws: GuestMemError.self) { try fixture.store.createVM(for: fixture.tenant) }

        #expect(error?.kind == .quotaExceeded && error?.errno == .diskQuotaExceeded)
        #expect(try fixture.store.vms(of: fixture.tenant, limit: 10).items.count == 2)
        #expect(try fixture.usage().vms == 2)
    }

    @Test(.needsKVM) func deletedVMFreesItsPlaceUnderTheLimit() throws {
        var limits = Fixture.roomy
        limits.maxVMs = 1
        let fixture = try Fixture(limits: limits)
        let vm = try fixture.store.createVM(for: fixture.tenant)

        try fixture.store.deleteVM(vm.id, of: fixture.tenant)

        #expect(throws: GuestMemError.notFound("no vm \(vm.id)")) {
            try fixture.store.vm(vm.id, of: fixture.tenant)
        }
        #expect(try fixture.usage().vms == 0)
        _ = try fixture.store.createVM(for: fixture.tenant)
    }

    @Test(.needsGuestMemfd) func vmWithAGuestMemfdFileIsNotDeletedWithoutCascade() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant)
        let file = try fixture.guestMemfd(on: vm.id)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.deleteVM(vm.id, of: fixture.tenant)
        }

        #expect(error?.kind == .refused && error?.errno == .resourceBusy)
        #expect(try fixture.store.vm(vm.id, of: fixture.tenant).files == [file.id])
        #expect(try fixture.get(file.id).vm == vm.id)
    }

    @Test(.needsGuestMemfd) func cascadingDeleteTakesTheVMsFilesAndTheirUsage() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant)
        let file = try fixture.guestMemfd(on: vm.id)
        try fixture.allocate(file.id, 0, 16 * KVMTest.page, keepSize: true)
        let memfd = try fixture.create(size: 4096)

        try fixture.store.deleteVM(vm.id, of: fixture.tenant, cascade: true)

        #expect(throws: GuestMemError.notFound("no file \(file.id)")) { try fixture.get(file.id) }
        #expect(try fixture.store.files(of: fixture.tenant, limit: 10).items.map(\.id) == [memfd.id])
        #expect(try fixture.usage() == TenantUsage(files: 1))
    }

    @Test(.needsGuestMemfd) func anotherTenantsVMIsNotFoundByIDAndAnUnknownReferenceInABody() throws {
        let fixture = try Fixture()
        let other = TenantID.random()
        try fixture.store.addTenant(other)
        let vm = try fixture.store.createVM(for: other)
        let notFound = GuestMemError.notFound("no vm \(vm.id)")

        #expect(throws: notFound) { try fixture.store.vm(vm.id, of: fixture.tenant) }
        #expect(throws: notFound) { try fixture.store.deleteVM(vm.id, of: fixture.tenant, cascade: true) }
        #expect(throws: GuestMemError.unknownReference("no vm \(vm.id)")) {
            try fixture.guestMemfd(on: vm.id)
        }
        #expect(try fixture.store.vms(of: fixture.tenant, limit: 10).items.isEmpty)
        #expect(try fixture.store.vm(vm.id, of: other) == vm)
    }

    @Test(.needsKVM) func removingATenantClosesItsVMsFd() throws {
        let fixture = try Fixture()
        let vmFd = try Self.markedFd("anon_inode:kvm-vm") { try fixture.store.createVM(for: fixture.tenant) }
        #expect(Self.isOpenAndMarked(vmFd, "anon_inode:kvm-vm"), "the VM's fd is there to close")

        try fixture.store.removeTenant(fixture.tenant)

        #expect(!Self.isOpenAndMarked(vmFd, "anon_inode:kvm-vm"))
        #expect(throws: GuestMemError.notFound("no tenant \(fixture.tenant)")) {
            try fixture.store.vms(of: fixture.tenant, limit: 10)
        }
    }

    @Test(.needsGuestMemfd) func removingATenantClosesItsGuestMemfdFiles() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant)
        let fileFd = try Self.markedFd("anon_inode:[kvm-gmem]") { try fixture.guestMemfd(on: vm.id) }

        try fixture.store.removeTenant(fixture.tenant)

        #expect(!Self.isOpenAndMarked(fileFd, "anon_inode:[kvm-gmem]"))
    }

    /// The one fd of kind `link` that `make` opens, marked by clearing its FD_CLOEXEC: that is a
    /// flag of the descriptor, and every fd gmemd opens has it set, so a later fd under the same
    /// number (another test's, running beside this one) is told from this one left open. Tests
    /// that run beside this one open fds too: `make` is tried again until it alone opened one.
    static func markedFd<R>(_ link: String, opening make: () throws -> R) throws -> Int32 {
        for _ in 0..<20 {
            let before = Set(try openFds().filter { $0.link == link }.map(\.number))
            _ = try make()
            let opened = try openFds().filter { $0.link == link && !before.contains($0.number) }
            if opened.count == 1, fcntl(opened[0].number, F_SETFD, 0) == 0 { return opened[0].number }
        }
        throw Errno.resourceBusy
    }

    /// Whether `fd` is open on a file of kind `link` and still carries `markedFd`'s mark.
    static func isOpenAndMarked(_ fd: Int32, _ link: String) -> Bool {
        let flags = fcntl(fd, F_GETFD)
        guard flags >= 0, flags & FD_CLOEXEC == 0 else { return false }
        return (try? openFds().contains { $0.number == fd && $0.link == link }) ?? false
    }

    @Test(.needsGuestMemfdMmap) func everyVMAndGuestMemfdFdTheStoreHoldsIsCloseOnExec() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant)
        try fixture.guestMemfd(on: vm.id, flags: .mappable)

        // The kernel makes a guest_memfd without FD_CLOEXEC (kernel-semantics.md C11). Every
        // KVM fd of this process is checked: they all come from the same code.
        let kvmFds = try Self.openFds().filter { $0.link.hasPrefix("anon_inode:") && $0.link.contains("kvm") }
        #expect(kvmFds.contains { $0.link == "anon_inode:kvm-vm" })
        #expect(kvmFds.contains { $0.link == "anon_inode:[kvm-gmem]" })
        for fd in kvmFds { #expect(fcntl(fd.number, F_GETFD) & FD_CLOEXEC != 0, "\(fd.link)") }
    }

    /// This process's open fds and what /proc/self/fd says they are.
    static func openFds() throws -> [(number: Int32, link: String)] {
        guard let directory = opendir("/proc/self/fd") else { throw Errno(rawValue: errno) }
        defer { closedir(directory) }
        var fds: [(Int32, String)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let number = Int32(name) else { continue }
            var target = [CChar](repeating: 0, count: 256)
            let count = readlink("/proc/self/fd/\(name)", &target, target.count - 1)
            guard count > 0 else { continue }
            fds.append(
                (number, String(decoding: target[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        return fds
    }

    @Test(.needsKVM) func listingPagesThroughVMsInIDOrder() throws {
        let fixture = try Fixture()
        let ids = try (0..<3).map { _ in try fixture.store.createVM(for: fixture.tenant).id }.sorted()

        let first = try fixture.store.vms(of: fixture.tenant, limit: 2)
        let second = try fixture.store.vms(of: fixture.tenant, after: first.next, limit: 2)

        #expect(first.items.map(\.id) == Array(ids[..<2]) && first.next == ids[1])
        #expect(second.items.map(\.id) == [ids[2]] && second.next == nil)
    }
}

extension Fixture {
    /// A guest_memfd of 16 pages on `vm`.
    @discardableResult
    func guestMemfd(on vm: VMID, size: Int64 = 16 * KVMTest.page, flags: GuestMemfdFlags = .none) throws
        -> FileSnapshot
    {
        try store.createGuestMemfdFile(for: tenant, name: "guest", size: size, vm: vm, flags: flags)
    }
}
