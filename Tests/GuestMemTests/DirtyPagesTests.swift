import TestSupport
import Testing

@testable import GuestMem

/// The dirty log's cap: past its ranges it coarsens to larger granules and never drops a page.
@Suite(.timeLimit(.scaledMinutes(10)))
struct DirtyPagesTests {
    static let page: Int64 = 4096

    /// 100,000 pages apart from each other, as one-byte writes to every other page of a large
    /// sparse file would mark them: the log never holds more than its cap (16 bytes a range),
    /// and every page is in a range.
    @Test func hundredThousandDistantPagesStayWithinTheCapAndNoneIsLost() throws {
        var log = DirtyPages(pageSize: Self.page)
        let pages = stride(from: Int64(0), to: 200_000, by: 2).map { $0 * Self.page + 7 }
        var most = 0

        for offset in pages {
            log.insert(try ByteRange(offset: offset, length: 1))
            most = max(most, log.ranges.count)
        }

        #expect(most <= DirtyPages.defaultMaxRanges)
        #expect(!log.isExact && log.granule > Self.page && log.granule.nonzeroBitCount == 1)
        #expect(pages.allSatisfy { log.ranges.overlaps(try! ByteRange(offset: $0, length: 1)) })
        #expect(log.ranges.ranges.allSatisfy { $0.offset % log.granule == 0 && $0.length % log.granule == 0 })
    }

    /// Under the cap the log is exact: pages, merged when they touch.
    @Test func underTheCapPagesAreKeptExactlyAndMerged() throws {
        var log = DirtyPages(pageSize: Self.page, maxRanges: 4)
        for page: Int64 in [0, 1, 5, 9] { log.insert(try ByteRange(offset: page * Self.page + 1, length: 1)) }

        #expect(log.isExact)
        #expect(
            log.ranges.ranges == [
                try ByteRange(offset: 0, length: 2 * Self.page),
                try ByteRange(offset: 5 * Self.page, length: Self.page),
                try ByteRange(offset: 9 * Self.page, length: Self.page),
            ])
    }

    /// One range past the cap halves the ranges by doubling the granule; removeAll makes the
    /// log exact again.
    @Test func onePastTheCapCoarsensUntilHalfIsLeftAndClearingMakesItExact() throws {
        var log = DirtyPages(pageSize: Self.page, maxRanges: 4)
        for page: Int64 in [0, 2, 4, 6, 8] { log.insert(try ByteRange(offset: page * Self.page, length: 1)) }

        #expect(!log.isExact && log.ranges.count <= 2)
        for page: Int64 in [0, 2, 4, 6, 8] {
            #expect(log.ranges.overlaps(try ByteRange(offset: page * Self.page, length: Self.page)))
        }

        log.removeAll()
        log.insert(try ByteRange(offset: 3 * Self.page, length: 1))
        #expect(log.isExact)
        #expect(log.ranges.ranges == [try ByteRange(offset: 3 * Self.page, length: Self.page)])
    }
}
