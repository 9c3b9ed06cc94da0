import GuestMem
import SystemPackage
import TestSupport
import Testing

/// Attaching and detaching: ranges, exclusivity, the no_new_consumers seal, the tenant's limit.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerAttachTests {
    static let page = Fixture.page

    @Test func consumerAttachedWithoutARangeCoversTheWholeFileAndFollowsItsSize() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)

        let consumer = try fixture.attach(file.id, .vfio, label: "nic0")

        #expect(consumer.isOpenEnded)
        #expect(consumer.range.offset == 0 && consumer.range.end == .max)
        #expect(consumer.kind == .vfio && consumer.label == "nic0")
        #expect(consumer.detachedAt == nil && consumer.lastSeq == 0)
        #expect(try fixture.store.consumers(of: file.id, of: fixture.tenant).map(\.id) == [consumer.id])
    }

    @Test func exclusiveConsumerRefusesAnOverlappingAttachWithEBUSY() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 16 * Self.page)
        try fixture.attach(file.id, .kvm, offset: 0, length: 8 * Self.page, exclusive: true)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.attach(file.id, .rdma, offset: 4 * Self.page, length: 8 * Self.page)
        }

        #expect(error?.kind == .refused)
        #expect(error?.errno == .resourceBusy)
        #expect(try fixture.store.consumers(of: file.id, of: fixture.tenant).count == 1)
    }

    @Test func exclusiveConsumerLetsAnotherAttachBesideItsRange() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 16 * Self.page)
        try fixture.attach(file.id, .kvm, offset: 0, length: 8 * Self.page, exclusive: true)

        try fixture.attach(file.id, .kvm, offset: 8 * Self.page, length: 4 * Self.page, exclusive: true)
        try fixture.attach(file.id, .iommu, offset: 12 * Self.page, length: Self.page)

        #expect(try fixture.store.consumers(of: file.id, of: fixture.tenant).count == 2 + 1)
    }

    @Test func exclusiveAttachIsRefusedWhereAnyConsumerAlreadyIs() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 16 * Self.page)
        try fixture.attach(file.id, .generic, offset: 4 * Self.page, length: Self.page)

        let error = #expect(throws: GuestMemError.self) { try fixture.attach(file.id, .kvm, exclusive: true) }

        #expect(error?.errno == .resourceBusy)
    }

    @Test func wholeFileExclusiveConsumerRefusesEveryOtherAttach() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 16 * Self.page)
        try fixture.attach(file.id, .kvm, exclusive: true)

        for offset in [0, 15 * Self.page, 1 << 40] {
            let error = #expect(throws: GuestMemError.self) {
                try fixture.attach(file.id, .generic, offset: offset, length: Self.page)
            }
            #expect(error?.errno == .resourceBusy)
        }
    }

    @Test func detachingTheExclusiveConsumerFreesItsRange() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 16 * Self.page)
        let holder = try fixture.attach(file.id, .kvm, exclusive: true)

        try fixture.store.detach(holder.id, of: fixture.tenant)

        #expect(throws: Never.self) { try fixture.attach(file.id, .kvm, exclusive: true) }
    }

    @Test func noNewConsumersSealRefusesEveryAttachWithEPERMAndKeepsTheAttachedOnes() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let kept = try fixture.attach(file.id)
        try fixture.addSeals(.noNewConsumers, to: file.id)

        let error = #expect(throws: GuestMemError.self) { try fixture.attach(file.id) }

        #expect(error?.kind == .refused)
        #expect(error?.errno == .notPermitted)
        #expect(try fixture.store.consumers(of: file.id, of: fixture.tenant).map(\.id) == [kept.id])
    }

    @Test func attachPastMaxConsumersIsEDQUOTAndDetachGivesTheSlotBack() throws {
        let fixture = try Fixture(
            limits: TenantLimits(maxBytes: 1 << 30, maxLockedBytes: 1 << 30, maxFiles: 8, maxConsumers: 2))
        let file = try fixture.create(size: 4 * Self.page)
        let first = try fixture.attach(file.id)
        try fixture.attach(file.id)

        let error = #expect(throws: GuestMemError.self) { try fixture.attach(file.id) }
        #expect(error?.kind == .quotaExceeded)
        #expect(error?.errno == .diskQuotaExceeded)
        #expect(try fixture.usage().consumers == 2)

        try fixture.store.detach(first.id, of: fixture.tenant)
        #expect(try fixture.usage().consumers == 1)
        #expect(throws: Never.self) { try fixture.attach(file.id) }
    }

    @Test(
        arguments: [(1, 4096), (0, 100), (4096, 4097), (-4096, 4096), (-4096, nil), (0, 0), (.max, nil)]
            as [(Int64, Int64?)])
    func rangeThatIsNotWholePagesIsRefusedWithEINVAL(offset: Int64, length: Int64?) throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.attach(file.id, offset: offset, length: length)
        }

        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.usage().consumers == 0)
    }

    @Test func detachedConsumerStaysReadableAndDetachingItAgainChangesNothing() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        try fixture.store.detach(consumer.id, of: fixture.tenant)
        try fixture.store.detach(consumer.id, of: fixture.tenant)

        let snapshot = try fixture.store.consumer(consumer.id, of: fixture.tenant)
        #expect(snapshot.detachedAt != nil)
        #expect(try await fixture.kinds(consumer.id) == [.detached(.detach)])
        #expect(try fixture.usage().consumers == 0)
        #expect(try fixture.store.consumers(of: file.id, of: fixture.tenant).isEmpty)
    }

    @Test func anotherTenantsConsumerIsNotFound() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        let other = TenantID.random()
        try fixture.store.addTenant(other)

        #expect(throws: GuestMemError.notFound("no consumer \(consumer.id)")) {
            try fixture.store.consumer(consumer.id, of: other)
        }
        #expect(throws: GuestMemError.notFound("no consumer \(consumer.id)")) {
            try fixture.store.detach(consumer.id, of: other)
        }
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).detachedAt == nil)
    }

    @Test func onlyTheMostRecentDetachedConsumersOfATenantAreKept() throws {
        let fixture = try Fixture(
            limits: TenantLimits(maxBytes: 1 << 30, maxLockedBytes: 1 << 30, maxFiles: 8, maxConsumers: 1))
        let file = try fixture.create(size: Self.page)
        var ids: [ConsumerID] = []
        for _ in 0..<(MemoryStore.keptDetached + 1) {
            let consumer = try fixture.attach(file.id)
            try fixture.store.detach(consumer.id, of: fixture.tenant)
            ids.append(consumer.id)
        }

        #expect(throws: GuestMemError.notFound("no consumer \(ids[0])")) {
            try fixture.store.consumer(ids[0], of: fixture.tenant)
        }
        #expect(try fixture.store.consumer(ids[1], of: fixture.tenant).detachedAt != nil)
    }
}
