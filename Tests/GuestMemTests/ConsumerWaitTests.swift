import GuestMem
import TestSupport
import Testing

/// Long-poll: a reader with nothing to read waits for the next event, the detach, the end of its
/// wait or its cancellation, whichever comes first.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerWaitTests {
    static let page = Fixture.page

    @Test func waitingReaderWakesWithTheEventThatArrives() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        let consumer = try fixture.attach(file.id)
        let reader = try await Self.waitingReader(fixture, consumer.id)

        try fixture.punch(file.id, 0, Self.page)

        let batch = try await reader.value
        #expect(batch.events.map(\.kind) == [.invalidate(range(0, Self.page), .punchHole)])
        #expect(batch.next == 1)
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).waitingReaders == 0)
    }

    @Test func waitingReaderWakesWhenTheConsumerIsDetached() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        let reader = try await Self.waitingReader(fixture, consumer.id)

        try fixture.store.deleteFile(file.id, of: fixture.tenant)

        let batch = try await reader.value
        #expect(batch.events.map(\.kind) == [.invalidate(range(0, Self.page), .delete), .detached(.delete)])
        #expect(batch.isDetached)
    }

    @Test func waitWithoutEventsEndsEmptyWhenItRunsOut() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        let batch = try await fixture.store.events(
            of: consumer.id, of: fixture.tenant, after: 0, wait: .milliseconds(20))

        #expect(batch.events.isEmpty)
        #expect(batch.next == 0 && !batch.isDetached)
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).waitingReaders == 0)
    }

    @Test func cancellingAWaitingReaderEndsItsWait() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        let reader = try await Self.waitingReader(fixture, consumer.id)

        reader.cancel()

        #expect(try await reader.value.events.isEmpty)
        #expect(try fixture.store.consumer(consumer.id, of: fixture.tenant).waitingReaders == 0)
    }

    @Test func readerWithEventsToReadDoesNotWait() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        try fixture.punch(file.id, 0, Self.page)

        let batch = try await fixture.store.events(
            of: consumer.id, of: fixture.tenant, after: 0, wait: .seconds(60))

        #expect(batch.events.count == 1)
    }

    @Test(arguments: [Duration.seconds(61), .milliseconds(-1)])
    func waitOutsideZeroToSixtySecondsIsEINVAL(wait: Duration) async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        let error = await #expect(throws: GuestMemError.self) {
            try await fixture.store.events(of: consumer.id, of: fixture.tenant, after: 0, wait: wait)
        }

        #expect(error?.errno == .invalidArgument)
    }

    @Test func manyReadersAllWakeForOneEvent() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        let readers = (0..<8).map { _ in
            Task {
                try await fixture.store.events(
                    of: consumer.id, of: fixture.tenant, after: 0, wait: .seconds(60))
            }
        }
        try await Self.untilWaiting(fixture, consumer.id, count: 8)

        try fixture.punch(file.id, 0, Self.page)

        for reader in readers { #expect(try await reader.value.events.map(\.seq) == [1]) }
    }

    /// A reader that waits up to a minute for the consumer's first event, started and waiting.
    static func waitingReader(_ fixture: Fixture, _ consumer: ConsumerID) async throws
        -> Task<EventBatch, any Error>
    {
        let reader = Task {
            try await fixture.store.events(of: consumer, of: fixture.tenant, after: 0, wait: .seconds(60))
        }
        try await untilWaiting(fixture, consumer)
        return reader
    }

    /// Returns once `count` readers wait on the consumer, as the store says.
    static func untilWaiting(_ fixture: Fixture, _ consumer: ConsumerID, count: Int = 1) async throws {
        try await until("\(count) readers waiting") {
            try fixture.store.consumer(consumer, of: fixture.tenant).waitingReaders >= count
        }
    }
}
