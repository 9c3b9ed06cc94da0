/// A half-open byte range `[offset, offset + length)`, holding only what fallocate(2) could
/// accept: the kernel's own checks, made once when the value is built (kernel-semantics.md §1f).
package struct ByteRange: Hashable, Sendable {
    package let offset: Int64
    package let length: Int64

    /// The first byte after the range. Cannot overflow: checked in `init`.
    package var end: Int64 { offset + length }

    /// Refuses what fallocate(2) refuses, with its errno: a negative offset or a length ≤ 0 is
    /// EINVAL (F4), an end past `Int64.max` is EFBIG (F5).
    package init(offset: Int64, length: Int64) throws(GuestMemError) {
        guard offset >= 0, length > 0 else {
            throw .invalid("offset < 0 or length ≤ 0", errno: .invalidArgument)
        }
        guard !offset.addingReportingOverflow(length).overflow else {
            throw .invalid("offset + length overflows", errno: .fileTooLarge)
        }
        (self.offset, self.length) = (offset, length)
    }

    /// Whether both ends fall on a multiple of `unit` (a page, for an inaccessible file).
    package func isAligned(to unit: Int64) -> Bool {
        offset % unit == 0 && length % unit == 0
    }
}
