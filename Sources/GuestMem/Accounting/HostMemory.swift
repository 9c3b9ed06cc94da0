import Synchronization
import SystemPackage

/// The host's headroom. A memory-cgroup overrun SIGKILLs the allocating process instead of
/// failing (kernel-semantics.md F21), so gmemd refuses any allocation that would leave less than
/// `reserveBytes` of /proc/meminfo MemAvailable, before the kernel is asked.
///
/// `pendingBytes` counts allocations that passed the check and are still running, so two files
/// allocating at once cannot both spend the same headroom. It is an atomic, not a lock: it is
/// touched while a file's lock is held, and gmemd holds one lock at a time.
final class HostMemory: Sendable {
    let reserveBytes: Int64
    private let pendingBytes = Atomic<Int64>(0)

    init(reserveBytes: Int64) { self.reserveBytes = reserveBytes }

    /// Claims `bytes` of headroom for one allocation; give it back with `release(_:)` once the
    /// kernel has answered (st_blocks then shows what was really taken).
    func claim(_ bytes: Int64) throws(GuestMemError) -> Int64 {
        guard bytes > 0 else { return 0 }
        let available: Int64
        do throws(Errno) { available = try MemInfo.read().memAvailable } catch {
            throw .kernel("read /proc/meminfo", error)
        }
        let pending = pendingBytes.add(bytes, ordering: .relaxed).newValue
        let (left, overflow) = available.subtractingReportingOverflow(pending)
        guard !overflow, left >= reserveBytes else {
            pendingBytes.subtract(bytes, ordering: .relaxed)
            throw .exhausted(
                "host memory: \(bytes) bytes would leave \(max(left, 0)) of MemAvailable, "
                    + "below the reserve of \(reserveBytes)", errno: .noMemory)
        }
        return bytes
    }

    /// Gives back what `claim(_:)` took.
    func release(_ claimed: Int64) {
        if claimed > 0 { pendingBytes.subtract(claimed, ordering: .relaxed) }
    }
}
