/// Which allocation units of a memfd hold pages, as the service predicts them from the calls it
/// made. It answers "how many bytes would this range newly allocate?" before fallocate or pwrite
/// runs, which st_blocks cannot: SEEK_DATA and mincore call fallocated pages holes (F20).
///
/// The kernel's st_blocks stays the truth for usage. When the map's total disagrees with it (a
/// kernel that allocates in larger folios than st_blksize says), the map stops predicting and
/// answers the worst case until the file is empty again.
struct AllocationMap {
    /// The bytes one page of this file holds: the page size, or the huge page size.
    let unit: Int64
    /// Sorted, disjoint and non-adjacent ranges of unit indices.
    private var extents: [Range<Int64>] = []
    private var units: Int64 = 0
    /// False once the map disagreed with the kernel.
    private(set) var isExact = true

    init(unit: Int64) { self.unit = unit }

    var allocatedBytes: Int64 { units * unit }

    /// The first byte past the last allocated unit; 0 when none is.
    var end: Int64 {
        let (bytes, overflow) = (extents.last?.upperBound ?? 0).multipliedReportingOverflow(by: unit)
        return overflow ? .max : bytes
    }

    /// The bytes allocating `range` could add: the units it touches that hold no page yet.
    func newBytes(in range: ByteRange) -> Int64 {
        let touched = touchedUnits(range)
        guard isExact else { return bytes(ofUnits: Int64(touched.count)) }
        return bytes(ofUnits: gaps(in: touched).reduce(0) { $0 + Int64($1.count) })
    }

    /// The units of `range` that held no page before it was allocated, as byte ranges to punch.
    func newRanges(in range: ByteRange) -> [ByteRange] {
        gaps(in: touchedUnits(range)).compactMap { gap in
            try? ByteRange(offset: gap.lowerBound * unit, length: bytes(ofUnits: Int64(gap.count)))
        }
    }

    /// fallocate or pwrite over `range` allocated every unit it touches.
    mutating func allocate(_ range: ByteRange) { insert(touchedUnits(range)) }

    /// A punch frees only the units `range` covers whole (F6, F7).
    mutating func punch(_ range: ByteRange) {
        let first = range.offset / unit + (range.offset % unit == 0 ? 0 : 1)
        let last = range.end / unit
        if first < last { remove(first..<last) }
    }

    /// Shrinking to `size` frees every unit past it, also those allocated past the old end (F8).
    mutating func truncate(to size: Int64) {
        remove((size / unit + (size % unit == 0 ? 0 : 1))..<Int64.max)
    }

    /// Compares the map with st_blocks. An empty file is the one state both surely agree on.
    mutating func reconcile(kernelBytes: Int64) {
        if kernelBytes == 0 {
            extents.removeAll()
            (units, isExact) = (0, true)
        } else if kernelBytes != allocatedBytes {
            isExact = false
        }
    }

    private func touchedUnits(_ range: ByteRange) -> Range<Int64> {
        let last = range.end / unit + (range.end % unit == 0 ? 0 : 1)
        return (range.offset / unit)..<last
    }

    private func bytes(ofUnits count: Int64) -> Int64 {
        let (product, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? .max : product
    }

    /// The first extent that ends at or after `index`: where a range starting there could merge.
    private func firstEnding(atOrAfter index: Int64) -> Int {
        var (low, high) = (0, extents.count)
        while low < high {
            let middle = (low + high) / 2
            if extents[middle].upperBound < index { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func gaps(in wanted: Range<Int64>) -> [Range<Int64>] {
        var gaps: [Range<Int64>] = []
        var cursor = wanted.lowerBound
        var index = firstEnding(atOrAfter: wanted.lowerBound)
        while cursor < wanted.upperBound, index < extents.count, extents[index].lowerBound < wanted.upperBound
        {
            if extents[index].lowerBound > cursor { gaps.append(cursor..<extents[index].lowerBound) }
            cursor = max(cursor, extents[index].upperBound)
            index += 1
        }
        if cursor < wanted.upperBound { gaps.append(cursor..<wanted.upperBound) }
        return gaps
    }

    private mutating func insert(_ new: Range<Int64>) {
        let start = firstEnding(atOrAfter: new.lowerBound)
        var end = start
        var merged = new
        while end < extents.count, extents[end].lowerBound <= new.upperBound {
            merged =
                min(
                    merged.lowerBound, extents[end].lowerBound)..<max(
                    merged.upperBound, extents[end].upperBound)
            units -= Int64(extents[end].count)
            end += 1
        }
        extents.replaceSubrange(start..<end, with: [merged])
        units += Int64(merged.count)
    }

    private mutating func remove(_ gone: Range<Int64>) {
        var start = firstEnding(atOrAfter: gone.lowerBound)
        // An extent ending exactly at `gone.lowerBound` only touches it: keep it whole.
        if start < extents.count, extents[start].upperBound == gone.lowerBound { start += 1 }
        var end = start
        var remnants: [Range<Int64>] = []
        while end < extents.count, extents[end].lowerBound < gone.upperBound {
            let extent = extents[end]
            if extent.lowerBound < gone.lowerBound { remnants.append(extent.lowerBound..<gone.lowerBound) }
            if extent.upperBound > gone.upperBound { remnants.append(gone.upperBound..<extent.upperBound) }
            units -= min(extent.upperBound, gone.upperBound) - max(extent.lowerBound, gone.lowerBound)
            end += 1
        }
        extents.replaceSubrange(start..<end, with: remnants)
    }
}
