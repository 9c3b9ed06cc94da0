/// A set of byte ranges: sorted, merged, never overlapping or touching. One type for every
/// record of "which bytes of a file": a memfd's allocation map, a guest_memfd's extents, the
/// dirty log.
///
/// guest_memfd allocation is invisible to userspace (st_blocks stays 0, no SEEK_DATA, mincore
/// shows 0: kernel-semantics.md A11, A14), and SEEK_DATA calls a memfd's fallocated pages holes
/// (F20), so gmemd keeps these records itself. Change one only after the kernel said yes.
package struct IntervalSet: Hashable, Sendable {
    /// Ascending; each range ends strictly before the next begins, and none is empty.
    private var extents: [Range<Int64>] = []
    /// The sum of the ranges' lengths, kept as they change.
    package private(set) var totalLength: Int64 = 0

    package init() {}

    /// The ranges, ascending.
    package var ranges: [ByteRange] {
        // Every extent is a union of ByteRanges, trimmed by others: its start is ≥ 0, its end
        // is some ByteRange's end (so ≤ Int64.max), and it is never empty.
        extents.map { try! ByteRange(offset: $0.lowerBound, length: $0.upperBound - $0.lowerBound) }
    }

    /// How many ranges it holds: its memory is about 16 bytes each.
    package var count: Int { extents.count }

    /// The first byte past the last range; 0 when the set is empty.
    package var end: Int64 { extents.last?.upperBound ?? 0 }

    /// Adds `range`, merging it with every range it overlaps or touches.
    package mutating func insert(_ range: ByteRange) {
        // The extents before the first bound end before `range` starts, so they start before it
        // ends too: the second bound is never below the first.
        let merged = index { $0.upperBound >= range.offset }..<index { $0.lowerBound > range.end }
        var start = range.offset
        var end = range.end
        if let first = merged.first, let last = merged.last {
            start = min(start, extents[first].lowerBound)
            end = max(end, extents[last].upperBound)
        }
        replace(merged, with: [start..<end])
    }

    /// Takes `range` out, trimming or splitting the ranges it overlaps. Any part of `range` that
    /// was not in the set is ignored, as a punch over a hole or past the end is.
    package mutating func remove(_ range: ByteRange) {
        let hit = overlapping(range)
        guard let first = hit.first, let last = hit.last else { return }
        var kept: [Range<Int64>] = []
        if extents[first].lowerBound < range.offset { kept.append(extents[first].lowerBound..<range.offset) }
        if extents[last].upperBound > range.end { kept.append(range.end..<extents[last].upperBound) }
        replace(hit, with: kept)
    }

    /// Empties the set.
    package mutating func removeAll() {
        extents.removeAll()
        totalLength = 0
    }

    /// Whether any byte of `range` is in the set.
    package func overlaps(_ range: ByteRange) -> Bool { !overlapping(range).isEmpty }

    /// How many bytes of `range` are in the set; inserting `range` adds the rest.
    package func length(in range: ByteRange) -> Int64 {
        parts(in: range).reduce(0) { $0 + $1.length }
    }

    /// The parts of `range` in the set, ascending, each clipped to it.
    package func parts(in range: ByteRange) -> [ByteRange] {
        overlapping(range).map { i in
            let start = max(extents[i].lowerBound, range.offset)
            // The extent shares at least one byte with `range`: the clipped part is not empty.
            return try! ByteRange(offset: start, length: min(extents[i].upperBound, range.end) - start)
        }
    }

    /// The parts of `range` not in the set, ascending.
    package func gaps(in range: ByteRange) -> [ByteRange] {
        var gaps: [ByteRange] = []
        var cursor = range.offset
        for part in parts(in: range) {
            // cursor < part.offset ≤ range.end: a valid, non-empty range inside `range`.
            if part.offset > cursor {
                gaps.append(try! ByteRange(offset: cursor, length: part.offset - cursor))
            }
            cursor = part.end
        }
        // As above: cursor < range.end.
        if cursor < range.end { gaps.append(try! ByteRange(offset: cursor, length: range.end - cursor)) }
        return gaps
    }

    /// The indices of the extents sharing at least one byte with `range`.
    private func overlapping(_ range: ByteRange) -> Range<Int> {
        // As in `insert`, the second bound is never below the first.
        index { $0.upperBound > range.offset }..<index { $0.lowerBound >= range.end }
    }

    private mutating func replace(_ indices: Range<Int>, with replacement: [Range<Int64>]) {
        totalLength -= extents[indices].reduce(0) { $0 + $1.upperBound - $1.lowerBound }
        totalLength += replacement.reduce(0) { $0 + $1.upperBound - $1.lowerBound }
        extents.replaceSubrange(indices, with: replacement)
    }

    /// The first index whose extent satisfies `isPast`, which must be false for a prefix of the
    /// extents and true for the rest; both bounds ascend, so either may be tested. A binary search.
    private func index(where isPast: (Range<Int64>) -> Bool) -> Int {
        var low = 0
        var high = extents.count
        while low < high {
            let middle = low + (high - low) / 2
            if isPast(extents[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
