#if canImport(Glibc)
    import Glibc
#endif

/// A wall-clock instant, nanoseconds since the Unix epoch (CLOCK_REALTIME).
package struct Timestamp: Hashable, Comparable, Sendable {
    package let nanosecondsSinceEpoch: Int64

    package init(nanosecondsSinceEpoch: Int64) { self.nanosecondsSinceEpoch = nanosecondsSinceEpoch }

    /// The current wall-clock time. clock_gettime(CLOCK_REALTIME) cannot fail with a valid clock.
    package static func now() -> Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(nanosecondsSinceEpoch: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }

    package static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.nanosecondsSinceEpoch < rhs.nanosecondsSinceEpoch
    }
}
