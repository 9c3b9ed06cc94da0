import Foundation
import TestSupport
import Testing

/// guest_memfd files end to end: the kernel's answers, with their errno, passed through
/// (kernel-semantics.md §1i–1l), and allocation counted from gmemd's extent map.
@Suite(.timeLimit(.scaledMinutes(10)))
struct GuestMemfdRouteTests {
    static let page = HostKVM.page
    static let size = 16 * page

    /// A new tenant with one VM.
    static func tenantWithVM(limits: [String: Int64] = [:]) async throws -> (Tenant, RemoteVM) {
        let tenant = try await Gmemd.kvm.newTenant(limits: limits)
        return (tenant, try await tenant.createVM())
    }

    @Test(.needsGuestMemfdMmap) func createdFileShowsItsBackendVMAndFlagsAndIsListed() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()

        let reply = try await tenant.postGuestMemfd(
            vm: vm.id, size: Self.size, flags: ["mmap": true, "init_shared": true])
        let file = try RemoteFile(reply, status: 201, "create")
        let facts = try reply.decoded(GuestFileFacts.self)

        #expect(facts.backend == "guest_memfd" && facts.vm == vm.id)
        #expect(
            facts.flags["mmap"] == true && facts.flags["init_shared"] == true
                && facts.flags["allow_sealing"] == false)
        #expect(file.size == Self.size && file.allocatedBytes == 0 && file.seals.isEmpty)
        #expect(try await tenant.vm(vm.id).files == [file.id])
        #expect(try await tenant.kvmUsage() == KVMUsage(allocatedBytes: 0, lockedBytes: 0, files: 1, vms: 1))
    }

    @Test(.needsGuestMemfd, arguments: [0, 4095, 4097, -4096] as [Int64])
    func sizeTheKernelRefusesIs422EINVAL(size: Int64) async throws {
        let (tenant, vm) = try await Self.tenantWithVM()

        try await tenant.postGuestMemfd(vm: vm.id, size: size).expectProblem(422, "EINVAL")
        #expect(try await tenant.kvmUsage().files == 0)
    }

    @Test(.needsGuestMemfd) func guestMemfdWithoutAVMIs422AndWithAMemfdFlagIs422() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()

        let noVM = try await tenant.client.post(
            "/v1/files", json: ["name": "g", "size": Self.size, "backend": "guest_memfd"])
        let sealable = try await tenant.postGuestMemfd(
            vm: vm.id, size: Self.size, flags: ["allow_sealing": true])

        noVM.expectProblem(422, "EINVAL")
        sealable.expectProblem(422, "EINVAL")
    }

    @Test(.needsGuestMemfd) func allocateWithKeepSizeIsCountedAsLockedAndPunchGivesItBack() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        let allocated = try RemoteFile(
            await tenant.fallocate(file, "allocate", offset: 0, length: 8 * Self.page, keepSize: true),
            "allocate")
        let usage = try await tenant.kvmUsage()
        let punched = try RemoteFile(
            await tenant.fallocate(file, "punch_hole", offset: 0, length: 2 * Self.page), "punch")

        #expect(allocated.allocatedBytes == 8 * Self.page)
        #expect(usage.allocatedBytes == 8 * Self.page && usage.lockedBytes == 8 * Self.page)
        #expect(punched.allocatedBytes == 6 * Self.page)
        #expect(try await tenant.kvmUsage().lockedBytes == 6 * Self.page)
    }

    @Test(.needsGuestMemfd) func allocateWithoutKeepSizeIsTheKernelsEOPNOTSUPP() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        try await tenant.fallocate(file, "allocate", offset: 0, length: Self.page).expectProblem(
            422, "EOPNOTSUPP")
        #expect(try await tenant.file(file.id) == file)
    }

    @Test(
        .needsGuestMemfd,
        arguments: [
            ("allocate", 1, page), ("allocate", 0, 100), ("allocate", 15 * page, 2 * page),
            ("allocate", 16 * page, page), ("punch_hole", page - 1, page), ("punch_hole", page, page - 1),
        ] as [(String, Int64, Int64)])
    func unalignedOrOutOfFileRangeIsTheKernelsEINVAL(mode: String, offset: Int64, length: Int64) async throws
    {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        try await tenant.fallocate(file, mode, offset: offset, length: length, keepSize: true)
            .expectProblem(422, "EINVAL")
        #expect(try await tenant.file(file.id) == file)
    }

    @Test(.needsGuestMemfd) func punchPastTheEndIsAcceptedAsTheKernelAcceptsIt() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        let reply = try await tenant.fallocate(file, "punch_hole", offset: Self.size, length: 1 << 30)

        #expect(reply.status == 200, "\(reply.text)")
    }

    @Test(.needsGuestMemfd, arguments: [0, 16 * page, 32 * page] as [Int64])
    func resizeIsTheKernelsEINVALEvenToTheSameSize(size: Int64) async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        try await tenant.resize(file, to: size).expectProblem(422, "EINVAL")
        #expect(try await tenant.file(file.id).size == Self.size)
    }

    @Test(.needsGuestMemfd) func kernelSealIsTheKernelsEINVAL() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        try await tenant.client.post(file.path + "/seals", json: ["seals": ["grow"]]).expectProblem(
            422, "EINVAL")
        #expect(try await tenant.file(file.id).seals == ["inaccessible"])
    }

    @Test(
        .needsGuestMemfdMmap,
        arguments: [([:], "ENODEV"), (["init_shared": true], "ENODEV"), (["mmap": true], "EFAULT")])
    func contentOfAFileGmemdDoesNotMapIsRefusedWithWhy(flags: [String: Bool], errno: String) async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id, flags: flags)

        let read = try await tenant.client.get(file.path + "/content")
        let write = try await tenant.client.put(file.path + "/content", bytes: Data([1]))

        read.expectProblem(422, errno)
        write.expectProblem(422, errno)
        #expect(read.problem?.detail.contains("mmap") == true)
        #expect(try await tenant.file(file.id) == file)
    }

    @Test(.needsGuestMemfdMmap) func contentOfAMappableFileRoundTripsWithRange() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id, flags: ["mmap": true, "init_shared": true])
        let bytes = Data((0..<10).map { UInt8($0 + 1) })

        let written = try await tenant.client.put(
            file.path + "/content?offset=\(Self.page - 5)", bytes: bytes)
        let part = try await tenant.client.get(
            file.path + "/content", headers: ["Range": "bytes=\(Self.page - 5)-\(Self.page + 4)"])
        let whole = try await tenant.client.get(file.path + "/content")

        #expect(written.status == 200, "\(written.text)")
        #expect(written.json?["size"] as? Int64 == Self.size)
        #expect(part.status == 206 && part.body == bytes)
        #expect(part.header("Content-Range") == "bytes \(Self.page - 5)-\(Self.page + 4)/\(Self.size)")
        #expect(whole.status == 200 && whole.body.count == Int(Self.size))
        // The write touched two pages; reading the whole file faulted in every page.
        #expect(try await tenant.file(file.id).allocatedBytes == Self.size)
    }

    @Test(.needsGuestMemfdMmap) func writeEndingPastTheFixedSizeIsEFBIG() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id, flags: ["mmap": true, "init_shared": true])

        try await tenant.client.put(file.path + "/content?offset=\(Self.size - 1)", bytes: Data([1, 2]))
            .expectProblem(422, "EFBIG")
    }

    @Test(.needsGuestMemfd) func allocationOverMaxLockedBytesIs403EDQUOT() async throws {
        let (tenant, vm) = try await Self.tenantWithVM(limits: ["max_locked_bytes": 4 * Self.page])
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        try await tenant.fallocate(file, "allocate", offset: 0, length: 8 * Self.page, keepSize: true)
            .expectProblem(403, "EDQUOT")
        #expect(try await tenant.kvmUsage().lockedBytes == 0)
    }

    @Test(.needsGuestMemfd) func deletedFileLeavesItsVMAndGivesBackItsUsage() async throws {
        let (tenant, vm) = try await Self.tenantWithVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)
        _ = try await tenant.fallocate(file, "allocate", offset: 0, length: Self.size, keepSize: true)

        let reply = try await tenant.client.delete(file.path)

        #expect(reply.status == 204, "\(reply.text)")
        #expect(try await tenant.vm(vm.id).files.isEmpty)
        #expect(try await tenant.kvmUsage() == KVMUsage(allocatedBytes: 0, lockedBytes: 0, files: 0, vms: 1))
        #expect(try await tenant.client.delete(vm.path).status == 204)
    }
}
