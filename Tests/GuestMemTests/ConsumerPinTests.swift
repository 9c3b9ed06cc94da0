import GuestMem
import SystemPackage
import TestSupport
import Testing

/// Pins (get_lock_pfn / put_unlock_pfn): what they need, what they count, what revokes them.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerPinTests {
    static let page = Fixture.page

    @Test func pinWithoutAllocateOnAHoleIsRefusedWithENOENTAndChangesNothing() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        try fixture.allocate(file.id, 0, Self.page)
        let consumer = try fixture.attach(file.id)
        let before = try await fixture.events(consumer.id).count

        let error = #expect(throws: GuestMemError.self) { try fixture.pin(consumer.id, 0, 2 * Self.page) }

        #expect(error?.kind == .refused)
        #expect(error?.errno == .noSuchFileOrDirectory)
        #expect(try fixture.kernelStatus(file.id).allocatedBytes == Self.page)
        #expect(try fixture.store.pins(of: consumer.id, of: fixture.tenant).isEmpty)
        #expect(try fixture.usage().lockedBytes == 0)
        #expect(try await fixture.events(consumer.id).count == before)
    }

    @Test(arguments: [SealSet.write, .futureWrite])
    func writeSealWhileAPinIsLiveIsBusyAndAfterTheUnpinGoesOn(seal: SealSet) throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 2 * Self.page)
        let consumer = try fixture.attach(file.id, .rdma)
        let pin = try fixture.pin(consumer.id, 0, Self.page, allocate: true)
        let pinned = try fixture.get(file.id)

        // The kernel refuses F_SEAL_WRITE while pages are pinned (kernel-semantics.md W8).
        let error = #expect(throws: GuestMemError.self) { try fixture.addSeals(seal, to: file.id) }
        let unchanged = try fixture.get(file.id)
        try fixture.unpin(pin)
        let sealed = try fixture.addSeals(seal, to: file.id)

        #expect(error?.kind == .refused && error?.errno == .resourceBusy)
        #expect(unchanged == pinned)
        #expect(sealed.seals.isSuperset(of: seal))
    }

    @Test func pinOfAllocatedPagesAnswersThemAsOrderZeroExtents() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        try fixture.allocate(file.id, 0, 4 * Self.page)
        let consumer = try fixture.attach(file.id)

        let pin = try fixture.pin(consumer.id, Self.page, 2 * Self.page)

        #expect(pin.state == .live)
        #expect(pin.extents == [PinExtent(range: range(Self.page, 2 * Self.page), order: 0)])
        #expect(try fixture.store.pin(pin.id, of: consumer.id, of: fixture.tenant) == pin)
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).livePins == 1)
    }

    @Test func pinWithAllocateAllocatesTheHolesAndTellsTheConsumers() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)
        let other = try fixture.attach(file.id, offset: 3 * Self.page, length: Self.page)

        try fixture.pin(consumer.id, 2 * Self.page, 2 * Self.page, allocate: true)

        #expect(try fixture.kernelStatus(file.id).allocatedBytes == 2 * Self.page)
        #expect(try fixture.usage().allocatedBytes == 2 * Self.page)
        #expect(try await fixture.kinds(consumer.id) == [.allocate(range(2 * Self.page, 2 * Self.page))])
        #expect(try await fixture.kinds(other.id) == [.allocate(range(3 * Self.page, Self.page))])
    }

    @Test func pinHoldsItsLengthAsLockedBytesUntilUnpinned() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)

        let pin = try fixture.pin(consumer.id, 0, 3 * Self.page, allocate: true)
        #expect(try fixture.usage().lockedBytes == 3 * Self.page)

        try fixture.unpin(pin)
        #expect(try fixture.usage().lockedBytes == 0)
        #expect(try fixture.store.pins(of: consumer.id, of: fixture.tenant).isEmpty)
    }

    @Test func unpinMarksThePinnedPagesDirty() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8 * Self.page)
        let consumer = try fixture.attach(file.id)
        let pin = try fixture.pin(consumer.id, 2 * Self.page, 3 * Self.page, allocate: true)
        #expect(try fixture.dirty(file.id).isEmpty)

        try fixture.unpin(pin)

        #expect(try fixture.dirty(file.id) == [range(2 * Self.page, 3 * Self.page)])
    }

    @Test func pinPastMaxLockedBytesIsEDQUOTBeforeAnythingIsAllocated() throws {
        let fixture = try Fixture(
            limits: TenantLimits(
                maxBytes: 1 << 30, maxLockedBytes: 2 * Self.page, maxFiles: 8, maxConsumers: 8))
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.pin(consumer.id, 0, 3 * Self.page, allocate: true)
        }

        #expect(error?.kind == .quotaExceeded)
        #expect(error?.errno == .diskQuotaExceeded)
        #expect(try fixture.kernelStatus(file.id).allocatedBytes == 0)
        #expect(try fixture.usage().lockedBytes == 0)
    }

    @Test func pinOfAnInaccessibleFileAddsNoLockedBytesBeyondItsAllocation() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page, flags: FileFlags(inaccessible: true))
        let consumer = try fixture.attach(file.id)

        let pin = try fixture.pin(consumer.id, 0, 2 * Self.page, allocate: true)
        #expect(try fixture.usage().lockedBytes == 2 * Self.page)

        try fixture.unpin(pin)
        #expect(try fixture.usage().lockedBytes == 2 * Self.page)
    }

    @Test(
        arguments: [(100, 4096), (0, 100), (0, 5 * 4096), (4 * 4096, 4096), (8192, 8192)] as [(Int64, Int64)])
    func pinThatIsNotWholePagesInsideTheConsumerAndTheFileIsEINVAL(offset: Int64, length: Int64) throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        try fixture.allocate(file.id, 0, 4 * Self.page)
        let consumer = try fixture.attach(file.id, offset: 0, length: 3 * Self.page)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.pin(consumer.id, offset, length, allocate: true)
        }

        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.store.pins(of: consumer.id, of: fixture.tenant).isEmpty)
    }

    @Test func punchOverlappingAPinRevokesItBeforeAnswering() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8 * Self.page)
        let consumer = try fixture.attach(file.id)
        let hit = try fixture.pin(consumer.id, 0, 2 * Self.page, allocate: true)
        let kept = try fixture.pin(consumer.id, 4 * Self.page, 2 * Self.page, allocate: true)

        try fixture.punch(file.id, Self.page, 100)

        #expect(try fixture.store.pin(hit.id, of: consumer.id, of: fixture.tenant).state == .revoked)
        #expect(try fixture.store.pin(kept.id, of: consumer.id, of: fixture.tenant).state == .live)
        #expect(try fixture.usage().lockedBytes == 2 * Self.page)
        let error = #expect(throws: GuestMemError.self) { try fixture.unpin(hit) }
        #expect(error?.kind == .gone)
        #expect(try fixture.dirty(file.id).isEmpty)
    }

    @Test func shrinkRevokesThePinsPastTheNewEndOnly() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8 * Self.page)
        let consumer = try fixture.attach(file.id)
        let low = try fixture.pin(consumer.id, 0, 2 * Self.page, allocate: true)
        let high = try fixture.pin(consumer.id, 6 * Self.page, 2 * Self.page, allocate: true)

        try fixture.resize(file.id, to: 7 * Self.page)

        #expect(try fixture.store.pin(low.id, of: consumer.id, of: fixture.tenant).state == .live)
        #expect(try fixture.store.pin(high.id, of: consumer.id, of: fixture.tenant).state == .revoked)
        #expect(try fixture.usage().lockedBytes == 2 * Self.page)
    }

    @Test func deletingTheFileRevokesEveryPin() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)
        let pin = try fixture.pin(consumer.id, 0, Self.page, allocate: true)

        try fixture.store.deleteFile(file.id, of: fixture.tenant)

        #expect(try fixture.store.pin(pin.id, of: consumer.id, of: fixture.tenant).state == .revoked)
        #expect(try fixture.usage().lockedBytes == 0)
        let error = #expect(throws: GuestMemError.self) { try fixture.unpin(pin) }
        #expect(error?.kind == .gone)
    }

    @Test func detachReleasesEveryPinAndMarksItsPagesDirty() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)
        let pin = try fixture.pin(consumer.id, Self.page, Self.page, allocate: true)

        try fixture.store.detach(consumer.id, of: fixture.tenant)

        #expect(try fixture.store.pin(pin.id, of: consumer.id, of: fixture.tenant).state == .released)
        #expect(try fixture.usage().lockedBytes == 0)
        #expect(try fixture.dirty(file.id) == [range(Self.page, Self.page)])
        let released = #expect(throws: GuestMemError.self) { try fixture.unpin(pin) }
        #expect(released?.kind == .gone)
        let error = #expect(throws: GuestMemError.self) { try fixture.pin(consumer.id, 0, Self.page) }
        #expect(error?.errno == .operationNotSupportedByDevice)
    }

    @Test func unpinningAnUnknownPinIsNotFound() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.unpin(PinID.random(), of: consumer.id, of: fixture.tenant)
        }

        #expect(error?.kind == .notFound)
    }
}
