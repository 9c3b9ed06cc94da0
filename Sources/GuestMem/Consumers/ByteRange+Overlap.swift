extension ByteRange {
    /// Whether the two ranges share at least one byte.
    package func overlaps(_ other: ByteRange) -> Bool {
        offset < other.end && other.offset < end
    }

    /// Whether every byte of `other` lies inside this range.
    package func contains(_ other: ByteRange) -> Bool {
        offset <= other.offset && other.end <= end
    }

    /// The bytes both ranges share, or nil when they share none.
    package func clamped(to other: ByteRange) -> ByteRange? {
        let start = max(offset, other.offset)
        let stop = min(end, other.end)
        // start ≥ 0 and stop ≤ Int64.max, both from valid ranges: the init cannot fail.
        return start < stop ? try! ByteRange(offset: start, length: stop - start) : nil
    }

    /// From `offset` to the end of every possible file: a range that follows the file's size.
    static func openEnded(from offset: Int64) throws(GuestMemError) -> ByteRange {
        // A negative offset would overflow the length: refuse it as ByteRange.init does (F4).
        guard offset >= 0 else { throw .invalid("offset < 0", errno: .invalidArgument) }
        return try ByteRange(offset: offset, length: Int64.max - offset)
    }

    /// The smallest range of whole `page`s that holds this one (to the end, past the last whole
    /// page below `Int64.max`).
    func roundedOut(to page: Int64) -> ByteRange {
        let start = offset / page * page
        let stop = end > Int64.max - (page - 1) ? end : (end + page - 1) / page * page
        // start ≤ offset and stop ≥ end: still a non-empty range inside 0...Int64.max.
        return try! ByteRange(offset: start, length: stop - start)
    }
}
