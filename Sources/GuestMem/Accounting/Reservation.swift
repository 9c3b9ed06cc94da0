/// Headroom a tenant set aside for one allocating call, before the file's lock was taken.
/// The call may use up to `bytes` (and `lockedBytes`, for an inaccessible file); if the file
/// turns out to need more, the call is refused with nothing allocated.
struct Reservation {
    let bytes: Int64
    let lockedBytes: Int64
    /// Whether the file was inaccessible when reserving: its bytes then count as locked too.
    let isLocked: Bool
}

/// How one call changed a tenant's usage, measured by the kernel (st_blocks before and after).
struct Charge {
    var allocatedBytes: Int64 = 0
    var lockedBytes: Int64 = 0
    var files = 0
    /// Consumers attached (+1) or detached (−1).
    var consumers = 0
    var vms = 0
}
