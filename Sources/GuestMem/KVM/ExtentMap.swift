/// The byte ranges of a file that hold pages: sorted, merged, never overlapping or touching.
///
/// guest_memfd allocation is invisible to userspace (st_blocks stays 0, no SEEK_DATA, mincore
/// shows 0: kernel-semantics.md A11, A14), so gmemd keeps this record of it. Change it only after
/// the kernel said yes.
package struct ExtentMap: Hashable, Sendable {
    /// Ascending; each extent ends strictly before the next begins, and none is empty.
    private var extents: [Range<Int64>] = []
    /// The sum of the extents' lengths, kept as they change.
    package private(set) var allocatedBytes: Int64 = 0

    package init() {}

    /// The extents, ascending.
    package var ranges: [ByteRange] {
        // Every extent is a union of ByteRanges, trimmed by others: its start is ≥ 0, its end
        // is some ByteRange's end (so ≤ Int64.max), and it is never empty.
        extents.map { try! ByteRange(offset: $0.lowerBound, length: $0.upperBound - $0.lowerBound) }
    }

    /// Records `range` as allocated, merging it with every extent it overlaps or touches.
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

    /// Records `range` as free, trimming or splitting the extents it overlaps. Any part of
    /// `range` that was not allocated is ignored, as a punch over a hole or past the end is.
    package mutating func remove(_ range: ByteRange) {
        let hit = overlapping(range)
        guard let first = hit.first, let last = hit.last else { return }
        var kept: [Range<Int64>] = []
        if extents[first].lowerBound < range.offset { kept.append(extents[first].lowerBound..<range.offset) }
        if extents[last].upperBound > range.end { kept.append(range.end..<extents[last].upperBound) }
        replace(hit, with: kept)
    }

    /// Whether any byte of `range` is allocated.
    package func overlaps(_ range: ByteRange) -> Bool { !overlapping(range).isEmpty }

    /// How many bytes of `range` are allocated; an allocation of `range` adds the rest.
    package func allocatedBytes(in range: ByteRange) -> Int64 {
        allocated(in: range).reduce(0) { $0 + $1.length }
    }

    /// The allocated parts of `range`, ascending, each clipped to it.
    package func allocated(in range: ByteRange) -> [ByteRange] {
        overlapping(range).map { i in
            let start = max(extents[i].lowerBound, range.offset)
            // The extent shares at least one byte with `range`: the clipped part is not empty.
            return try! ByteRange(offset: start, length: min(extents[i].upperBound, range.end) - start)
        }
    }

    /// The indices of the extents sharing at least one byte with `range`.
    private func overlapping(_ range: ByteRange) -> Range<Int> {
        // As in `insert`, the second bound is never below the first.
        index { $0.upperBound > range.offset }..<index { $0.lowerBound >= range.end }
    }

    private mutating func replace(_ indices: Range<Int>, with replacement: [Range<Int64>]) {
        allocatedBytes -= extents[indices].reduce(0) { $0 + $1.upperBound - $1.lowerBound }
        allocatedBytes += replacement.reduce(0) { $0 + $1.upperBound - $1.lowerBound }
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
