import GuestMem
import SystemPackage
import TestSupport
import Testing

/// guest_memfd files through the store: the kernel's answers passed through, the extent map as
/// usage, all of it locked (kernel-semantics.md §1i–1l).
@Suite(.timeLimit(.scaledMinutes(10)))
struct VMGuestMemfdFileTests {
    static let size = 16 * KVMTest.page

    /// A store with one tenant and one VM.
    struct VMFixture {
        let fixture: Fixture
        let vm: VMID

        init(
            limits: TenantLimits = Fixture.roomy,
            hostReserveBytes: Int64 = MemoryStore.defaultHostReserveBytes
        )
            throws
        {
            fixture = try Fixture(limits: limits, hostReserveBytes: hostReserveBytes)
            vm = try fixture.store.createVM(for: fixture.tenant).id
        }

        func file(_ flags: GuestMemfdFlags = .none) throws -> FileSnapshot {
            try fixture.guestMemfd(on: vm, size: VMGuestMemfdFileTests.size, flags: flags)
        }
    }

    @Test(.needsGuestMemfd, arguments: [0, 4095, 4097, -4096] as [Int64])
    func sizeTheKernelRefusesIsEINVALAndCreatesNothing(size: Int64) throws {
        let setup = try VMFixture()

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.guestMemfd(on: setup.vm, size: size)
        }

        #expect(error?.kind == .invalid && error?.errno == .invalidArgument)
        #expect(try setup.fixture.usage().files == 0)
        #expect(try setup.fixture.store.vm(setup.vm, of: setup.fixture.tenant).files.isEmpty)
    }

    @Test(.needsGuestMemfd) func flagTheKernelDoesNotKnowIsEINVAL() throws {
        let setup = try VMFixture()

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.guestMemfd(on: setup.vm, flags: GuestMemfdFlags(rawValue: 4))
        }

        #expect(error?.errno == .invalidArgument)
    }

    @Test(.needsGuestMemfdMmap) func createdFileShowsItsVMFlagsAndNothingAllocated() throws {
        let setup = try VMFixture()

        let plain = try setup.file()
        let mappable = try setup.file(.mappable)

        #expect(plain.backend == .guestMemfd && plain.vm == setup.vm && plain.size == Self.size)
        #expect(plain.allocatedBytes == 0)
        #expect(plain.seals == .inaccessible && mappable.seals == [])
        #expect(mappable.flags.mmap && mappable.flags.initShared && !mappable.flags.allowSealing)
        #expect(
            try setup.fixture.store.vm(setup.vm, of: setup.fixture.tenant).files.sorted()
                == [plain.id, mappable.id].sorted())
    }

    @Test(.needsGuestMemfd) func allocationIsRecordedAndCountsAsLockedUsage() throws {
        let setup = try VMFixture()
        let file = try setup.file()

        let after = try setup.fixture.allocate(file.id, 0, 4 * KVMTest.page, keepSize: true)

        #expect(after.allocatedBytes == 4 * KVMTest.page && after.version == file.version + 1)
        #expect(
            try setup.fixture.usage()
                == TenantUsage(
                    allocatedBytes: 4 * KVMTest.page, lockedBytes: 4 * KVMTest.page, files: 1, vms: 1))
    }

    @Test(.needsGuestMemfd) func allocationWithoutKeepSizeIsTheKernelsEOPNOTSUPPAndChangesNothing() throws {
        let setup = try VMFixture()
        let file = try setup.file()

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.allocate(file.id, 0, KVMTest.page)
        }

        #expect(error?.kind == .invalid && error?.errno == .notSupported)
        #expect(try setup.fixture.get(file.id) == file)
        #expect(try setup.fixture.usage().allocatedBytes == 0)
    }

    @Test(
        .needsGuestMemfd,
        arguments: [(1, KVMTest.page), (0, 100), (15 * KVMTest.page, 2 * KVMTest.page)] as [(Int64, Int64)])
    func allocationUnalignedOrPastTheEndIsEINVAL(offset: Int64, length: Int64) throws {
        let setup = try VMFixture()
        let file = try setup.file()

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.allocate(file.id, offset, length, keepSize: true)
        }

        #expect(error?.errno == .invalidArgument)
        #expect(try setup.fixture.usage().allocatedBytes == 0)
    }

    @Test(.needsGuestMemfd) func punchFreesUsageAndAnUnalignedPunchIsEINVAL() throws {
        let setup = try VMFixture()
        let file = try setup.file()
        try setup.fixture.allocate(file.id, 0, Self.size, keepSize: true)

        let unaligned = #expect(throws: GuestMemError.self) {
            try setup.fixture.punch(file.id, 1, KVMTest.page)
        }
        let after = try setup.fixture.punch(file.id, 0, 4 * KVMTest.page)

        #expect(unaligned?.errno == .invalidArgument)
        #expect(after.allocatedBytes == Self.size - 4 * KVMTest.page)
        #expect(try setup.fixture.usage().lockedBytes == Self.size - 4 * KVMTest.page)
    }

    @Test(.needsGuestMemfd) func allocationOverMaxLockedBytesIsEDQUOTAndAllocatesNothing() throws {
        var limits = Fixture.roomy
        limits.maxLockedBytes = 4 * KVMTest.page
        let setup = try VMFixture(limits: limits)
        let file = try setup.file()
        try setup.fixture.allocate(file.id, 0, 2 * KVMTest.page, keepSize: true)

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.allocate(file.id, 0, 8 * KVMTest.page, keepSize: true)
        }

        #expect(error?.kind == .quotaExceeded && error?.errno == .diskQuotaExceeded)
        #expect(try setup.fixture.get(file.id).allocatedBytes == 2 * KVMTest.page)
        // Pages already allocated need no headroom.
        try setup.fixture.allocate(file.id, 0, 4 * KVMTest.page, keepSize: true)
    }

    @Test(.needsGuestMemfd) func allocationBeyondTheHostsReserveIsENOMEM() throws {
        let setup = try VMFixture(hostReserveBytes: .max)
        let file = try setup.file()

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.allocate(file.id, 0, KVMTest.page, keepSize: true)
        }

        #expect(error?.kind == .exhausted && error?.errno == .noMemory)
        #expect(try setup.fixture.get(file.id).allocatedBytes == 0)
    }

    @Test(.needsGuestMemfd, arguments: [0, 16 * KVMTest.page, 32 * KVMTest.page] as [Int64])
    func resizeIsTheKernelsEINVALEvenToTheSameSize(size: Int64) throws {
        let setup = try VMFixture()
        let file = try setup.file()

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.store.resize(file.id, of: setup.fixture.tenant, to: size)
        }

        #expect(error?.kind == .invalid && error?.errno == .invalidArgument)
        #expect(try setup.fixture.get(file.id) == file)
    }

    @Test(.needsGuestMemfdMmap) func kernelSealsAreTheKernelsEINVALAndServiceSealsFollowTheirRules() throws {
        let setup = try VMFixture()
        let mappable = try setup.file(.mappable)

        let kernelSeal = #expect(throws: GuestMemError.self) {
            try setup.fixture.addSeals(.write, to: mappable.id)
        }
        let inaccessible = #expect(throws: GuestMemError.self) {
            try setup.fixture.addSeals(.inaccessible, to: mappable.id)
        }
        let sealed = try setup.fixture.addSeals(.noNewConsumers, to: mappable.id)

        #expect(kernelSeal?.errno == .invalidArgument)
        #expect(inaccessible?.kind == .refused && inaccessible?.errno == .resourceBusy)
        #expect(sealed.seals == .noNewConsumers)
    }

    @Test(.needsGuestMemfd) func dirtyLogIsInvalidAsKVMHasNoneForAGuestMemfd() throws {
        let setup = try VMFixture()
        let file = try setup.file()

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.store.dirtyLog(of: file.id, of: setup.fixture.tenant, clear: true)
        }

        #expect(error?.kind == .invalid && error?.errno == .invalidArgument)
    }

    @Test(.needsGuestMemfd) func deletedFileGivesBackItsUsageAndLeavesItsVM() throws {
        let setup = try VMFixture()
        let file = try setup.file()
        try setup.fixture.allocate(file.id, 0, Self.size, keepSize: true)

        try setup.fixture.store.deleteFile(file.id, of: setup.fixture.tenant)

        #expect(try setup.fixture.usage() == TenantUsage(vms: 1))
        #expect(try setup.fixture.store.vm(setup.vm, of: setup.fixture.tenant).files.isEmpty)
        try setup.fixture.store.deleteVM(setup.vm, of: setup.fixture.tenant)
    }

    @Test(.needsGuestMemfd) func guestMemfdFilesCountAgainstMaxFilesAndAreListedWithMemfds() throws {
        var limits = Fixture.roomy
        limits.maxFiles = 2
        let setup = try VMFixture(limits: limits)
        let memfd = try setup.fixture.create(size: 4096)
        let guest = try setup.file()

        let error = #expect(throws: GuestMemError.self) { try setup.file() }

        #expect(error?.errno == .diskQuotaExceeded)
        #expect(
            Set(try setup.fixture.store.files(of: setup.fixture.tenant, limit: 10).items.map(\.id)) == [
                memfd.id, guest.id,
            ])
    }
}
