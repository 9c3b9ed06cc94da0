/// A file's dirty log: the pages written (content PUT) or unpinned since it was last cleared,
/// in at most `maxRanges` ranges. Adjacent and overlapping ranges merge as they come; when
/// distinct ranges would pass the cap, the log coarsens instead of growing: every range is
/// rounded out to a granule twice the last one until half the cap is left, and later pages are
/// rounded to it too. A coarse log names clean pages beside dirty ones, never the reverse (as
/// KVM's dirty ring, when full, makes its user fall back to the whole bitmap). Clearing it
/// makes it exact again.
struct DirtyPages {
    /// 4,096 ranges of 16 bytes: 64 KiB per file at most, and an answer of about 200 KB.
    static let defaultMaxRanges = 4096

    let pageSize: Int64
    let maxRanges: Int
    private(set) var ranges = IntervalSet()
    /// What every range is a multiple of: the page size while the log is exact.
    private(set) var granule: Int64
    /// Moves on with every change of the log: what the journal wrote of it is current while
    /// this is what it was then.
    private(set) var revision: UInt64 = 0
    /// The ranges inserted since the file's last journal record was taken, while the log was
    /// only added to: all that record's successor needs to say of it. nil once the log was
    /// cleared, coarsened or restored since (or that record was not written): the next one
    /// holds it whole.
    private var addedSinceRecord: [ByteRange]? = nil

    init(pageSize: Int64, maxRanges: Int = defaultMaxRanges) {
        precondition(pageSize > 0 && maxRanges > 0, "a dirty log holds at least one range of pages")
        (self.pageSize, self.maxRanges, granule) = (pageSize, maxRanges, pageSize)
    }

    /// Whether every page in the log is dirty: it has never been coarsened since the last clear.
    var isExact: Bool { granule == pageSize }

    /// Marks the pages `range` touches dirty.
    mutating func insert(_ range: ByteRange) {
        revision += 1
        let rounded = range.roundedOut(to: granule)
        ranges.insert(rounded)
        addedSinceRecord?.append(rounded)
        if ranges.count > maxRanges { coarsen() }
    }

    /// What a journal record says of the log beside it: the ranges added since the last record,
    /// or nil when it must hold the log whole. The next record goes on from here.
    mutating func takeAddedSinceRecord() -> [ByteRange]? {
        defer { addedSinceRecord = [] }
        return addedSinceRecord
    }

    /// The record taken last was not written: the next one holds the log whole.
    mutating func recordWasLost() { addedSinceRecord = nil }

    /// Takes back a log the file journal kept, at the granule it had (nil: exact).
    mutating func restore(_ kept: [ByteRange], granule: Int64?) {
        if let granule, granule > pageSize, granule % pageSize == 0 { self.granule = granule }
        for range in kept { insert(range) }
        addedSinceRecord = nil
    }

    /// Empties the log and makes it exact again.
    mutating func removeAll() {
        revision += 1
        addedSinceRecord = nil
        ranges = IntervalSet()
        granule = pageSize
    }

    /// Doubles the granule, rounding every range out to it, until at most half the cap is used:
    /// each coarsening then buys room for as many new ranges again. It ends: once the granule
    /// passes the last dirty byte, everything is one range from 0.
    private mutating func coarsen() {
        addedSinceRecord = nil
        let target = max(1, maxRanges / 2)
        while ranges.count > target, granule <= Int64.max / 2 {
            granule *= 2
            var coarser = IntervalSet()
            for range in ranges.ranges { coarser.insert(range.roundedOut(to: granule)) }
            ranges = coarser
        }
    }
}
