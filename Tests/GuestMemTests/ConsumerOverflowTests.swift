import GuestMem
import TestSupport
import Testing

/// The bounded backlog: a reader that falls behind gets one overflow naming the seqs it lost.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerOverflowTests {
    static let page = Fixture.page

    @Test func readerThatNeverReadsGetsOneOverflowThenTheNewestEvents() async throws {
        let fixture = try Fixture(backlog: 8)
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)

        for _ in 0..<100 { try fixture.punch(file.id, 0, Self.page) }

        let events = try await fixture.events(consumer.id)
        #expect(events.count == 9)
        #expect(events.first?.kind == .overflow(lost: 1...92))
        #expect(events.first?.seq == 92)
        #expect(events.dropFirst().map(\.seq) == Array(93...100))
    }

    @Test func readerThatKeepsUpNeverSeesAnOverflow() async throws {
        let fixture = try Fixture(backlog: 8)
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        var seen: [UInt64] = []

        for _ in 0..<20 {
            for _ in 0..<5 { try fixture.punch(file.id, 0, Self.page) }
            seen += try await fixture.events(consumer.id, after: seen.last ?? 0).map(\.seq)
        }

        #expect(seen == Array(1...100))
    }

    @Test func readerJustInsideTheBacklogGetsEverythingWithoutAnOverflow() async throws {
        let fixture = try Fixture(backlog: 8)
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        for _ in 0..<10 { try fixture.punch(file.id, 0, Self.page) }

        #expect(try await fixture.events(consumer.id, after: 2).map(\.seq) == Array(3...10))
        #expect(try await fixture.events(consumer.id, after: 1).first?.kind == .overflow(lost: 2...2))
    }

    @Test func detachedEventIsKeptAfterAnOverflow() async throws {
        let fixture = try Fixture(backlog: 2)
        let file = try fixture.create(size: Self.page)
        let consumer = try fixture.attach(file.id)
        for _ in 0..<10 { try fixture.punch(file.id, 0, Self.page) }

        try fixture.store.detach(consumer.id, of: fixture.tenant)

        let kinds = try await fixture.kinds(consumer.id)
        #expect(kinds.first == .overflow(lost: 1...9))
        #expect(kinds.last == .detached(.detach))
    }
}
