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
    /// Whole units, in bytes; only the last may be cut short, at Int64.max.
    private var units = IntervalSet()
    /// False once the map disagreed with the kernel.
    private(set) var isExact = true

    init(unit: Int64) { self.unit = unit }

    var allocatedBytes: Int64 { units.totalLength }

    /// The first byte past the last allocated unit; 0 when none is.
    var end: Int64 { units.end }

    /// The bytes allocating `range` could add: the units it touches that hold no page yet.
    func newBytes(in range: ByteRange) -> Int64 {
        let touched = touchedUnits(range)
        guard isExact else { return touched.length }
        return touched.length - units.length(in: touched)
    }

    /// The units of `range` that held no page before it was allocated, as byte ranges to punch.
    func newRanges(in range: ByteRange) -> [ByteRange] {
        units.gaps(in: touchedUnits(range))
    }

    /// fallocate or pwrite over `range` allocated every unit it touches.
    mutating func allocate(_ range: ByteRange) { units.insert(touchedUnits(range)) }

    /// A punch frees only the units `range` covers whole (F6, F7).
    mutating func punch(_ range: ByteRange) {
        let first = roundedUp(range.offset)
        let last = range.end / unit * unit
        if first < last, let whole = try? ByteRange(offset: first, length: last - first) {
            units.remove(whole)
        }
    }

    /// Shrinking to `size` frees every unit past it, also those allocated past the old end (F8).
    mutating func truncate(to size: Int64) {
        let start = roundedUp(size)
        if start < .max, let past = try? ByteRange(offset: start, length: .max - start) { units.remove(past) }
    }

    /// Compares the map with st_blocks. An empty file is the one state both surely agree on.
    mutating func reconcile(kernelBytes: Int64) {
        if kernelBytes == 0 {
            units.removeAll()
            isExact = true
        } else if kernelBytes != allocatedBytes {
            isExact = false
        }
    }

    /// `range` widened to whole units; cut at Int64.max, past which no unit can be addressed.
    private func touchedUnits(_ range: ByteRange) -> ByteRange {
        let start = range.offset / unit * unit
        // start ≤ range.offset < roundedUp(range.end): a valid, non-empty range.
        return try! ByteRange(offset: start, length: roundedUp(range.end) - start)
    }

    /// `bytes` rounded up to a whole unit, or Int64.max where that would overflow.
    private func roundedUp(_ bytes: Int64) -> Int64 {
        let remainder = bytes % unit
        guard remainder != 0 else { return bytes }
        let (rounded, overflow) = bytes.addingReportingOverflow(unit - remainder)
        return overflow ? .max : rounded
    }
}
