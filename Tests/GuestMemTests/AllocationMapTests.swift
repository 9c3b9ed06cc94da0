import TestSupport
import Testing

@testable import GuestMem

/// The service's prediction of which pages a range would newly allocate.
@Suite(.timeLimit(.scaledMinutes(10)))
struct AllocationMapTests {
    func range(_ offset: Int64, _ length: Int64) throws -> ByteRange {
        try ByteRange(offset: offset, length: length)
    }

    @Test func emptyMapPredictsEveryPageTheRangeTouches() throws {
        let map = AllocationMap(unit: 4096)
        #expect(map.newBytes(in: try range(100, 4096)) == 8192)
        #expect(map.newBytes(in: try range(0, 4096)) == 4096)
    }

    @Test func allocatedPagesAreNotPredictedAgain() throws {
        var map = AllocationMap(unit: 4096)
        map.allocate(try range(0, 8192))
        map.allocate(try range(4 * 4096, 4096))
        #expect(map.allocatedBytes == 3 * 4096)
        #expect(map.newBytes(in: try range(0, 6 * 4096)) == 3 * 4096)
        #expect(
            map.newRanges(in: try range(0, 6 * 4096)) == [try range(8192, 8192), try range(5 * 4096, 4096)])
    }

    @Test func adjacentAndOverlappingAllocationsMerge() throws {
        var map = AllocationMap(unit: 4096)
        map.allocate(try range(0, 4096))
        map.allocate(try range(8192, 4096))
        map.allocate(try range(4096, 4096))
        map.allocate(try range(2048, 8192))
        #expect(map.allocatedBytes == 3 * 4096)
        #expect(map.newRanges(in: try range(0, 3 * 4096)).isEmpty)
    }

    @Test func punchFreesOnlyWholePages() throws {
        var map = AllocationMap(unit: 4096)
        map.allocate(try range(0, 4 * 4096))
        map.punch(try range(100, 8192))
        #expect(map.allocatedBytes == 3 * 4096)
        map.punch(try range(3 * 4096 + 1, 100))
        #expect(map.allocatedBytes == 3 * 4096)
        map.punch(try range(0, 1 << 20))
        #expect(map.allocatedBytes == 0)
    }

    @Test func truncateFreesEveryPagePastTheNewSize() throws {
        var map = AllocationMap(unit: 4096)
        map.allocate(try range(0, 16 * 4096))
        map.truncate(to: 4096 + 1)
        #expect(map.allocatedBytes == 2 * 4096)
    }

    @Test func mapThatDisagreesWithTheKernelPredictsTheWorstCaseUntilTheFileIsEmpty() throws {
        var map = AllocationMap(unit: 4096)
        map.allocate(try range(0, 4096))
        map.reconcile(kernelBytes: 2 << 20)
        #expect(map.newBytes(in: try range(0, 4096)) == 4096)

        map.reconcile(kernelBytes: 0)
        #expect(map.isExact)
        #expect(map.allocatedBytes == 0)
    }

    @Test func rangeReachingInt64MaxPredictsWithoutOverflow() throws {
        let map = AllocationMap(unit: 4096)
        #expect(map.newBytes(in: try range(0, .max)) == .max)
    }
}
