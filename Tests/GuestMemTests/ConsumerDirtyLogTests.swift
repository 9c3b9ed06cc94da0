import GuestMem
import TestSupport
import Testing

/// The dirty log: pages written since the last clear, merged, read and cleared in one step.
@Suite(.timeLimit(.scaledMinutes(10)))
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

    /// 5,000 one-byte writes to every other page of a sparse file would be 5,000 ranges: the
    /// log stays within its 4,096, says it is coarse, and every page written is in one of its
    /// ranges. A clear makes it exact again. (DirtyPagesTests takes it to 100,000 pages.)
    @Test func writesPastTheCapMakeACoarseLogThatLosesNoPageUntilCleared() throws {
        let fixture = try Fixture()
        let pages: Int64 = 10_000
        let file = try fixture.create(size: pages * Self.page)
        let written = stride(from: 0, to: pages, by: 2).map { $0 * Self.page }

        for offset in written { try fixture.write(file.id, at: offset, count: 1) }
        let log = try fixture.store.dirtyLog(of: file.id, of: fixture.tenant, clear: true)

        #expect(log.ranges.count <= 4096)
        #expect(!log.isExact && log.granularity > log.pageSize && log.granularity % log.pageSize == 0)
        var covered = IntervalSet()
        for part in log.ranges {
            #expect(part.offset % log.granularity == 0 && part.length % log.granularity == 0)
            covered.insert(part)
        }
        #expect(written.filter { !covered.overlaps(range($0, Self.page)) }.isEmpty)

        try fixture.write(file.id, at: 3 * Self.page, count: 1)
        let after = try fixture.store.dirtyLog(of: file.id, of: fixture.tenant, clear: false)
        #expect(after.isExact && after.granularity == after.pageSize)
        #expect(after.ranges == [range(3 * Self.page, Self.page)])
    }

    @Test func logReportsTheHostPageSize() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: Self.page)

        #expect(
            try fixture.store.dirtyLog(of: file.id, of: fixture.tenant, clear: false).pageSize
                == Host.pageSize)
    }
}
