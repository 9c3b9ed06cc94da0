import GuestMem
import SystemPackage
import TestSupport
import Testing

/// Which events a file operation records, for whom, clipped to what; and that a refused
/// operation records none.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerEventTests {
    static let page = Fixture.page

    @Test func allocateReachesOnlyOverlappingConsumersClippedToTheirRange() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 16 * Self.page)
        let low = try fixture.attach(file.id, offset: 0, length: 4 * Self.page)
        let high = try fixture.attach(file.id, offset: 8 * Self.page, length: 8 * Self.page)
        let whole = try fixture.attach(file.id)

        try fixture.allocate(file.id, 2 * Self.page, 4 * Self.page)

        #expect(try await fixture.kinds(low.id) == [.allocate(range(2 * Self.page, 2 * Self.page))])
        #expect(try await fixture.kinds(high.id).isEmpty)
        #expect(try await fixture.kinds(whole.id) == [.allocate(range(2 * Self.page, 4 * Self.page))])
    }

    @Test func punchHoleIsAnInvalidateWithReasonPunchHole() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8 * Self.page)
        let consumer = try fixture.attach(file.id, offset: 4 * Self.page, length: 4 * Self.page)

        try fixture.punch(file.id, 3 * Self.page, 2 * Self.page + 100)

        #expect(
            try await fixture.kinds(consumer.id) == [
                .invalidate(range(4 * Self.page, Self.page + 100), .punchHole)
            ])
    }

    @Test func shrinkInvalidatesWhatWentThenReportsTheResize() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8 * Self.page)
        let consumer = try fixture.attach(file.id)

        try fixture.resize(file.id, to: 2 * Self.page)
        try fixture.resize(file.id, to: 3 * Self.page)

        #expect(
            try await fixture.kinds(consumer.id) == [
                .invalidate(range(2 * Self.page, 6 * Self.page), .shrink),
                .resize(from: 8 * Self.page, to: 2 * Self.page),
                .resize(from: 2 * Self.page, to: 3 * Self.page),
            ])
    }

    @Test func shrinkInvalidatesPagesAllocatedPastTheOldEndToo() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 2 * Self.page)
        try fixture.allocate(file.id, 0, 6 * Self.page, keepSize: true)
        let consumer = try fixture.attach(file.id)

        try fixture.resize(file.id, to: Self.page)

        let events = try await fixture.kinds(consumer.id)
        #expect(events.first == .invalidate(range(Self.page, 5 * Self.page), .shrink))
    }

    @Test func allocationThatGrowsTheFileIsFollowedByAResize() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        try fixture.allocate(file.id, 0, 2 * Self.page)

        #expect(
            try await fixture.kinds(consumer.id) == [
                .allocate(range(0, 2 * Self.page)), .resize(from: Self.page, to: 2 * Self.page),
            ])
    }

    @Test func addedSealsReachEveryConsumerAndARepeatedSealReachesNone() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let far = try fixture.attach(file.id, offset: 1 << 30, length: Self.page)

        try fixture.addSeals([.grow], to: file.id)
        try fixture.addSeals([.grow], to: file.id)

        #expect(try await fixture.kinds(far.id) == [.seal(.grow)])
    }

    @Test func deletingTheFileInvalidatesWhatItHeldThenDetachesEveryConsumer() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)
        let beyond = try fixture.attach(file.id, offset: 1 << 30, length: Self.page)

        try fixture.store.deleteFile(file.id, of: fixture.tenant)

        #expect(
            try await fixture.kinds(consumer.id) == [
                .invalidate(range(0, 4 * Self.page), .delete), .detached(.delete),
            ])
        #expect(try await fixture.kinds(beyond.id) == [.detached(.delete)])
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).detachedAt != nil)
        #expect(try fixture.usage().consumers == 0)
    }

    @Test func refusedPunchRecordsNoEvent() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        try fixture.addSeals([.write], to: file.id)
        let consumer = try fixture.attach(file.id)

        let error = #expect(throws: GuestMemError.self) { try fixture.punch(file.id, 0, Self.page) }

        #expect(error?.errno == .notPermitted)
        #expect(try await fixture.kinds(consumer.id).isEmpty)
    }

    @Test func noEventReachesADetachedConsumer() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)
        try fixture.store.detach(consumer.id, of: fixture.tenant)

        try fixture.allocate(file.id, 0, Self.page)
        try fixture.punch(file.id, 0, Self.page)

        #expect(try await fixture.kinds(consumer.id) == [.detached(.detach)])
    }

    @Test func sequenceNumbersRunFromOneWithoutGapsAndReadingAfterOneSkipsIt() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)
        for _ in 0..<5 { try fixture.punch(file.id, 0, Self.page) }

        #expect(try await fixture.events(consumer.id).map(\.seq) == [1, 2, 3, 4, 5])
        #expect(try await fixture.events(consumer.id, after: 3).map(\.seq) == [4, 5])
        #expect(try await fixture.events(consumer.id, after: 5).isEmpty)
    }

    @Test func readingAfterTheNewestEventIsEINVAL() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        let error = await #expect(throws: GuestMemError.self) {
            try await fixture.events(consumer.id, after: 1)
        }

        #expect(error?.errno == .invalidArgument)
    }

    @Test func contentWriteRecordsNoEventButAGrowingWriteRecordsAResize() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        try fixture.write(file.id, at: 0, count: 10)
        try fixture.write(file.id, at: Self.page, count: 10)

        #expect(try await fixture.kinds(consumer.id) == [.resize(from: Self.page, to: Self.page + 10)])
    }
}
