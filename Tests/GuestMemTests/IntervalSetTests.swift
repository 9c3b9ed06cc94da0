import GuestMem
import TestSupport
import Testing

/// The interval set behind allocation maps, guest_memfd extents and dirty logs: merged on
/// insert, trimmed and split on remove.
@Suite(.timeLimit(.scaledMinutes(10)))
struct IntervalSetTests {
    /// One change to the map, in bytes.
    enum Step: Sendable, CustomStringConvertible {
        case insert(Int64, Int64)
        case remove(Int64, Int64)

        var description: String {
            switch self {
            case .insert(let offset, let length): "+[\(offset), +\(length))"
            case .remove(let offset, let length): "-[\(offset), +\(length))"
            }
        }
    }

    static let max = Int64.max

    @Test(
        arguments: [
            ([.insert(0, 10)], [(0, 10)]),
            ([.insert(20, 5), .insert(0, 5)], [(0, 5), (20, 5)]),
            ([.insert(0, 10), .insert(10, 5)], [(0, 15)]),
            ([.insert(10, 5), .insert(0, 10)], [(0, 15)]),
            ([.insert(0, 5), .insert(10, 5), .insert(5, 5)], [(0, 15)]),
            ([.insert(0, 2), .insert(4, 2), .insert(8, 2), .insert(1, 8)], [(0, 10)]),
            ([.insert(0, 10), .insert(2, 3)], [(0, 10)]),
            ([.insert(2, 3), .insert(0, 10)], [(0, 10)]),
            ([.insert(0, 5), .insert(6, 5)], [(0, 5), (6, 5)]),
            ([.insert(0, 10), .remove(3, 4)], [(0, 3), (7, 3)]),
            ([.insert(0, 10), .remove(0, 4)], [(4, 6)]),
            ([.insert(0, 10), .remove(6, 4)], [(0, 6)]),
            ([.insert(0, 10), .remove(0, 10)], []),
            ([.insert(0, 5), .insert(10, 5), .insert(20, 5), .remove(3, 19)], [(0, 3), (22, 3)]),
            ([.insert(0, 5), .insert(10, 5), .remove(5, 5)], [(0, 5), (10, 5)]),
            ([.insert(0, 5), .remove(100, 1 << 30)], [(0, 5)]),
            ([.remove(0, 4096)], []),
            ([.insert(0, 10), .remove(3, 4), .insert(3, 4)], [(0, 10)]),
            ([.insert(max - 10, 10), .remove(max - 5, 5)], [(max - 10, 5)]),
            ([.insert(max - 10, 10), .insert(0, max - 10)], [(0, max)]),
        ] as [([Step], [(Int64, Int64)])])
    func stepsLeaveSortedMergedExtentsAndTheirTotal(steps: [Step], expected: [(Int64, Int64)]) throws {
        var map = IntervalSet()

        for step in steps {
            switch step {
            case .insert(let offset, let length): map.insert(try ByteRange(offset: offset, length: length))
            case .remove(let offset, let length): map.remove(try ByteRange(offset: offset, length: length))
            }
        }

        #expect(map.ranges == (try expected.map { try ByteRange(offset: $0.0, length: $0.1) }))
        #expect(map.totalLength == expected.reduce(0) { $0 + $1.1 })
    }

    @Test(arguments: [
        (5, 5, false), (4, 1, true), (14, 10, true), (15, 100, false), (0, 100, true), (9, 1, false),
    ])
    func overlapsIsTrueOnlyWhenAByteIsShared(offset: Int64, length: Int64, overlaps: Bool) throws {
        let map = try Self.twoExtents()

        #expect(map.overlaps(try ByteRange(offset: offset, length: length)) == overlaps)
    }

    @Test(
        arguments: [(0, 15, 10), (3, 10, 5), (5, 5, 0), (12, 100, 3), (10, 5, 5)] as [(Int64, Int64, Int64)])
    func lengthInARangeCountsOnlyItsBytesInTheSet(offset: Int64, length: Int64, allocated: Int64)
        throws
    {
        let map = try Self.twoExtents()

        #expect(map.length(in: try ByteRange(offset: offset, length: length)) == allocated)
    }

    @Test func emptyMapHasNoExtentsAndOverlapsNothing() throws {
        let map = IntervalSet()

        #expect(map.ranges.isEmpty)
        #expect(map.totalLength == 0)
        #expect(!map.overlaps(try ByteRange(offset: 0, length: .max)))
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func everyStepOfALongRandomSequenceAgreesWithAByteSet(seed: UInt64) throws {
        var map = IntervalSet()
        var model = Set<Int64>()
        var random = SplitMix(seed: seed)

        for step in 0..<2000 {
            let offset = Int64(random.next() % 96)
            let range = try ByteRange(offset: offset, length: Int64(random.next() % 24) + 1)
            if random.next() % 2 == 0 {
                map.insert(range)
                model.formUnion(offset..<range.end)
            } else {
                map.remove(range)
                model.subtract(offset..<range.end)
            }

            let query = try ByteRange(
                offset: Int64(random.next() % 96), length: Int64(random.next() % 24) + 1)
            let queried = model.intersection(query.offset..<query.end)
            try #require(map.ranges == (try Self.extents(of: model)), "after step \(step)")
            try #require(map.totalLength == Int64(model.count), "after step \(step)")
            try #require(map.overlaps(query) == !queried.isEmpty, "after step \(step)")
            try #require(map.length(in: query) == Int64(queried.count), "after step \(step)")
            let gapBytes = Set(map.gaps(in: query).flatMap { $0.offset..<$0.end })
            try #require(gapBytes == Set(query.offset..<query.end).subtracting(queried), "after step \(step)")
        }
    }

    /// [0, 5) and [10, 15).
    static func twoExtents() throws -> IntervalSet {
        var map = IntervalSet()
        map.insert(try ByteRange(offset: 0, length: 5))
        map.insert(try ByteRange(offset: 10, length: 5))
        return map
    }

    /// The maximal runs of consecutive bytes in `bytes`.
    static func extents(of bytes: Set<Int64>) throws -> [ByteRange] {
        var runs: [ByteRange] = []
        var start: Int64?
        for byte in 0...(bytes.max() ?? -1) + 1 {
            if bytes.contains(byte), start == nil { start = byte }
            if !bytes.contains(byte), let first = start {
                runs.append(try ByteRange(offset: first, length: byte - first))
                start = nil
            }
        }
        return runs
    }
}
