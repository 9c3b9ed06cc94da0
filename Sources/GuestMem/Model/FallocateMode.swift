/// What fallocate(2) does to a range.
package enum FallocateMode: Hashable, Sendable {
    /// Mode 0, or FALLOC_FL_KEEP_SIZE: allocate the pages; without `keepSize` a range past the
    /// end grows the file.
    case allocate(keepSize: Bool)
    /// FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE: zero the range and free its whole pages.
    case punchHole
}
