import GuestMem
import Testing

/// The dirty log: pages written since the last clear, merged, read and cleared in one step.
@Suite(.timeLimit(.minutes(5)))
struct ConsumerDirtyLogTests {
    static let page = Fixture.page

    @Test func contentWriteMarksEveryPageItTouches() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8 * Self.page)

        try fixture.write(file.id, at: Self.page + 5, count: Int(Self.page))

        #expect(try fixture.dirty(file.id) == [range(Self.page, 2 * Self.page)])
    }

    @Test func adjacentWritesMergeAndDistantOnesStaySeparate() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 16 * Self.page)

        try fixture.write(file.id, at: 0, count: 10)
        try fixture.write(file.id, at: Self.page, count: 10)
        try fixture.write(file.id, at: 8 * Self.page, count: 10)

        #expect(try fixture.dirty(file.id) == [range(0, 2 * Self.page), range(8 * Self.page, Self.page)])
    }

    @Test func clearAnswersTheLogAndEmptiesIt() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        try fixture.write(file.id, at: 0, count: 10)

        #expect(try fixture.dirty(file.id, clear: true) == [range(0, Self.page)])
        #expect(try fixture.dirty(file.id).isEmpty)

        try fixture.write(file.id, at: 3 * Self.page, count: 1)
        #expect(try fixture.dirty(file.id) == [range(3 * Self.page, Self.page)])
    }

    @Test func readingWithoutClearKeepsTheLog() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 * Self.page)
        try fixture.write(file.id, at: 0, count: 10)

        _ = try fixture.dirty(file.id)

        #expect(try fixture.dirty(file.id) == [range(0, Self.page)])
    }

    @Test func logReportsTheHostPageSize() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)

        #expect(
            try fixture.store.dirtyLog(of: file.id, of: fixture.tenant, clear: false).pageSize
                == Host.pageSize)
    }
}
