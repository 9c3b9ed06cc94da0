import GuestMem
import SystemPackage
import TestSupport
import Testing

/// kvm consumers bound for real: a memslot per consumer, the kernel's refusals passed through
/// (kernel-semantics.md §1m), deleted on detach.
@Suite(.timeLimit(.scaledMinutes(10)))
struct VMBindingTests {
    static let page = KVMTest.page
    static let mebibyte = KVMTest.mebibyte

    /// A store, one tenant, one VM and a 4 MiB guest_memfd on it.
    struct Setup {
        let fixture: Fixture
        let vm: VMID
        let file: FileSnapshot

        init(flags: GuestMemfdFlags = .none) throws {
            fixture = try Fixture()
            vm = try fixture.store.createVM(for: fixture.tenant).id
            file = try fixture.guestMemfd(on: vm, size: 4 * VMBindingTests.mebibyte, flags: flags)
        }

        /// Attaches a kvm consumer to `file` over `[offset, offset + length)`, bound at `gpa` in `vm`.
        @discardableResult
        func bind(
            _ file: FileID? = nil, in vm: VMID? = nil, offset: Int64 = 0,
            length: Int64? = VMBindingTests.mebibyte,
            gpa: UInt64, exclusive: Bool = false
        ) throws -> ConsumerSnapshot {
            try fixture.store.attach(
                ConsumerRequest(
                    kind: .kvm, offset: offset, length: length, isExclusive: exclusive,
                    binding: KVMBindingRequest(vm: vm ?? self.vm, gpa: gpa)),
                to: file ?? self.file.id, of: fixture.tenant)
        }

        func memslots() throws -> [VMSnapshot.BoundMemslot] {
            try fixture.store.vm(vm, of: fixture.tenant).memslots
        }
    }

    @Test(.needsGuestMemfd) func boundConsumerHasSlotZeroAndTheVMListsIt() throws {
        let setup = try Setup()

        let consumer = try setup.bind(gpa: UInt64(Self.mebibyte))

        let binding = try #require(consumer.binding)
        #expect(binding.vm == setup.vm && binding.memslot.id == 0)
        #expect(binding.memslot.guestPhysicalAddress == UInt64(Self.mebibyte))
        #expect(try binding.memslot.fileRange == KVMTest.range(0, Self.mebibyte))
        #expect(binding.memslot.backing == .guestMemfd)
        let listed = try #require(try setup.memslots().first)
        #expect(listed.memslot == binding.memslot)
        #expect(listed.consumer == consumer.id && listed.file == setup.file.id)
    }

    @Test(.needsGuestMemfd) func secondBindingOverlappingTheFileRangeIsTheKernelsEINVALAndAttachesNothing()
        throws
    {
        let setup = try Setup()
        try setup.bind(gpa: UInt64(Self.mebibyte))

        let error = #expect(throws: GuestMemError.self) {
            try setup.bind(offset: Self.mebibyte / 2, gpa: UInt64(8 * Self.mebibyte))
        }

        #expect(error?.kind == .invalid && error?.errno == .invalidArgument)
        #expect(try setup.fixture.store.consumers(of: setup.file.id, of: setup.fixture.tenant).count == 1)
        #expect(try setup.fixture.usage().consumers == 1)
        #expect(try setup.memslots().count == 1)
    }

    @Test(.needsGuestMemfd) func bindingWhoseGuestAddressesOverlapIsTheKernelsEEXIST() throws {
        let setup = try Setup()
        try setup.bind(gpa: UInt64(Self.mebibyte))

        let error = #expect(throws: GuestMemError.self) {
            try setup.bind(offset: 2 * Self.mebibyte, gpa: UInt64(Self.mebibyte + Self.mebibyte / 2))
        }

        #expect(error?.kind == .refused && error?.errno == .fileExists)
        #expect(try setup.memslots().count == 1)
    }

    @Test(.needsGuestMemfd) func fileOfAnotherVMIsTheKernelsEINVAL() throws {
        let setup = try Setup()
        let other = try setup.fixture.store.createVM(for: setup.fixture.tenant).id

        let error = #expect(throws: GuestMemError.self) { try setup.bind(in: other, gpa: 0) }

        #expect(error?.errno == .invalidArgument)
        #expect(try setup.fixture.store.vm(other, of: setup.fixture.tenant).memslots.isEmpty)
    }

    @Test(.needsGuestMemfd, arguments: [100, 4097] as [UInt64])
    func unalignedGuestAddressIsTheKernelsEINVAL(gpa: UInt64) throws {
        let setup = try Setup()

        let error = #expect(throws: GuestMemError.self) { try setup.bind(gpa: gpa) }
        #expect(error?.kind == .invalid && error?.errno == .invalidArgument)
        #expect(try setup.memslots().isEmpty)
    }

    @Test(.needsGuestMemfd) func detachDeletesTheSlotAndTheSameRangeBindsAgain() throws {
        let setup = try Setup()
        let first = try setup.bind(gpa: 0)

        try setup.fixture.store.detach(first.id, of: setup.fixture.tenant)
        let emptied = try setup.memslots()
        let second = try setup.bind(gpa: 0)

        #expect(emptied.isEmpty)
        #expect(second.binding?.memslot.id == 0)
        #expect(try setup.memslots().map(\.consumer) == [second.id])
    }

    @Test(.needsGuestMemfd) func openEndedConsumerIsBoundToTheFilesEnd() throws {
        let setup = try Setup()

        let consumer = try setup.bind(offset: Self.mebibyte, length: nil, gpa: 0)

        let expected = try KVMTest.range(Self.mebibyte, 3 * Self.mebibyte)
        #expect(consumer.binding?.memslot.fileRange == expected)
        #expect(consumer.range == expected && !consumer.isOpenEnded)
    }

    @Test(.needsGuestMemfd) func boundConsumerHearsAllocateAndInvalidateLikeAnyOther() async throws {
        let setup = try Setup()
        let consumer = try setup.bind(gpa: 0)

        try setup.fixture.allocate(setup.file.id, 0, 2 * Self.mebibyte, keepSize: true)
        try setup.fixture.punch(setup.file.id, 0, Self.page)
        let events = try await setup.fixture.store.events(of: consumer.id, of: setup.fixture.tenant, after: 0)

        #expect(
            events.events.map(\.kind) == [
                .allocate(try KVMTest.range(0, Self.mebibyte)),
                .invalidate(try KVMTest.range(0, Self.page), .punchHole),
            ])
    }

    @Test(.needsGuestMemfd) func pinOnABoundGuestMemfdIsRevokedByAPunch() throws {
        let setup = try Setup()
        let consumer = try setup.bind(gpa: 0)
        let store = setup.fixture.store

        let pin = try store.pin(
            KVMTest.range(0, Self.page), allocate: true, for: consumer.id, of: setup.fixture.tenant)
        try setup.fixture.punch(setup.file.id, 0, Self.page)

        #expect(throws: GuestMemError.gone("pin \(pin.id) was revoked by a punch, shrink or delete")) {
            try store.unpin(pin.id, of: consumer.id, of: setup.fixture.tenant)
        }
    }

    @Test(.needsGuestMemfd) func exclusiveConsumerInTheWayLeavesNoSlotBehind() throws {
        let setup = try Setup()
        _ = try setup.fixture.store.attach(
            ConsumerRequest(kind: .vfio, length: Self.mebibyte, isExclusive: true), to: setup.file.id,
            of: setup.fixture.tenant)

        let error = #expect(throws: GuestMemError.self) { try setup.bind(gpa: 0) }

        #expect(error?.errno == .resourceBusy)
        #expect(try setup.memslots().isEmpty)
    }

    @Test(.needsKVM) func accessibleMemfdBindsThroughAMappingAndAnInaccessibleOneIsEPERM() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant).id
        let memfd = try fixture.create(size: Self.mebibyte)
        let sealed = try fixture.create(flags: FileFlags(inaccessible: true))
        func bind(_ file: FileID, gpa: UInt64) throws -> ConsumerSnapshot {
            try fixture.store.attach(
                ConsumerRequest(kind: .kvm, binding: KVMBindingRequest(vm: vm, gpa: gpa)), to: file,
                of: fixture.tenant)
        }

        let consumer = try bind(memfd.id, gpa: UInt64(16 * Self.mebibyte))
        let error = #expect(throws: GuestMemError.self) { try bind(sealed.id, gpa: 0) }

        #expect(consumer.binding?.memslot.backing == .memfd)
        #expect(error?.errno == .notPermitted)
        #expect(try fixture.store.vm(vm, of: fixture.tenant).memslots.map(\.file) == [memfd.id])
    }

    @Test(.needsGuestMemfd) func bindingForAnotherKindIsEINVALAndAnotherTenantsVMIsNotFound() throws {
        let setup = try Setup()
        let stranger = TenantID.random()
        try setup.fixture.store.addTenant(stranger)
        let strangersVM = try setup.fixture.store.createVM(for: stranger).id

        let kind = #expect(throws: GuestMemError.self) {
            try setup.fixture.store.attach(
                ConsumerRequest(kind: .vfio, binding: KVMBindingRequest(vm: setup.vm, gpa: 0)),
                to: setup.file.id,
                of: setup.fixture.tenant)
        }

        #expect(kind?.errno == .invalidArgument)
        #expect(throws: GuestMemError.unknownReference("no vm \(strangersVM)")) {
            try setup.bind(in: strangersVM, gpa: 0)
        }
    }

    @Test(.needsGuestMemfd) func deletingTheBoundFileDeletesItsSlotsSoTheVMGoesWithoutCascade() throws {
        let setup = try Setup()
        let consumer = try setup.bind(gpa: 0)

        try setup.fixture.store.deleteFile(setup.file.id, of: setup.fixture.tenant)

        #expect(try setup.memslots().isEmpty)
        #expect(try setup.fixture.store.consumer(consumer.id, of: setup.fixture.tenant).detachedAt != nil)
        try setup.fixture.store.deleteVM(setup.vm, of: setup.fixture.tenant)
    }

    @Test(.needsKVM) func inaccessibleSealOnAnEmptyMemfdBoundAsAMemslotIsBusyUntilItIsDetached() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant).id
        let memfd = try fixture.create(size: 0)
        // The slot maps the empty file; a grow and an allocation would put pages under the guest.
        let consumer = try fixture.store.attach(
            ConsumerRequest(
                kind: .kvm, length: Self.page, binding: KVMBindingRequest(vm: vm, gpa: 0)),
            to: memfd.id, of: fixture.tenant)

        let error = #expect(throws: GuestMemError.self) { try fixture.addSeals(.inaccessible, to: memfd.id) }
        let unchanged = try fixture.get(memfd.id)
        try fixture.store.detach(consumer.id, of: fixture.tenant)
        let sealed = try fixture.addSeals(.inaccessible, to: memfd.id)

        #expect(error?.kind == .refused && error?.errno == .resourceBusy)
        #expect(unchanged == memfd)
        #expect(sealed.seals.contains(.inaccessible))
    }

    @Test(.needsKVM) func vmWithAMemfdBindingNeedsCascadeWhichDetachesTheConsumer() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant).id
        let memfd = try fixture.create(size: Self.mebibyte)
        let consumer = try fixture.store.attach(
            ConsumerRequest(kind: .kvm, binding: KVMBindingRequest(vm: vm, gpa: 0)), to: memfd.id,
            of: fixture.tenant)

        let busy = #expect(throws: GuestMemError.self) { try fixture.store.deleteVM(vm, of: fixture.tenant) }
        try fixture.store.deleteVM(vm, of: fixture.tenant, cascade: true)

        #expect(busy?.errno == .resourceBusy)
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).detachedAt != nil)
        #expect(try fixture.store.consumers(of: memfd.id, of: fixture.tenant).isEmpty)
        #expect(try fixture.usage().consumers == 0)
    }
}
