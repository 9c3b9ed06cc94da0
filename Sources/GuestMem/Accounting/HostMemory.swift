import Synchronization
import SystemPackage

/// The memory gmemd may still take: the host's MemAvailable and, tighter still where it is, the
/// headroom of gmemd's memory cgroup or any ancestor. Crossing a cgroup limit SIGKILLs the
/// allocating process instead of failing (kernel-semantics.md F21; the isolation issue measured
/// gmemd killed in a 256 MiB cgroup by one tenant's 512 MiB allocation), so gmemd refuses any
/// allocation that would leave less than `reserveBytes` under the tightest of them, before the
/// kernel is asked.
///
/// `pendingBytes` counts allocations that passed the check and are still running, so two files
/// allocating at once cannot both spend the same headroom. It is an atomic, not a lock: it is
/// touched while a file's lock is held, and gmemd holds one lock at a time.
final class HostMemory: Sendable {
    let reserveBytes: Int64
    private let pendingBytes = Atomic<Int64>(0)
    /// gmemd's memory cgroup, found at start; nil where there is none.
    private let cgroup: MemoryCgroup?
    /// Whether the last claim was refused: the operator hears once per episode, not per request.
    private let isExhausted = Atomic<Bool>(false)
    private let onExhausted: @Sendable (String) -> Void

    init(
        reserveBytes: Int64, cgroup: MemoryCgroup? = MemoryCgroup.current(),
        onExhausted: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.reserveBytes = reserveBytes
        self.cgroup = cgroup
        self.onExhausted = onExhausted
    }

    /// Claims `bytes` of headroom for one allocation; give it back with `release(_:)` once the
    /// kernel has answered (st_blocks then shows what was really taken).
    func claim(_ bytes: Int64) throws(GuestMemError) -> Int64 {
        guard bytes > 0 else { return 0 }
        let headroom = try self.headroom()
        let pending = pendingBytes.add(bytes, ordering: .relaxed).newValue
        let (left, overflow) = headroom.availableBytes.subtractingReportingOverflow(pending)
        guard !overflow, left >= reserveBytes else {
            pendingBytes.subtract(bytes, ordering: .relaxed)
            let why =
                "host memory: \(bytes) bytes would leave \(max(left, 0)) available under "
                + "\(headroom.source), below the reserve of \(reserveBytes)"
            if !isExhausted.exchange(true, ordering: .relaxed) { onExhausted(why) }
            throw .exhausted(why, errno: .noMemory)
        }
        isExhausted.store(false, ordering: .relaxed)
        return bytes
    }

    /// Gives back what `claim(_:)` took.
    func release(_ claimed: Int64) {
        if claimed > 0 { pendingBytes.subtract(claimed, ordering: .relaxed) }
    }

    /// The tightest limit now: the host's, or a memory cgroup's where that leaves less.
    func headroom() throws(GuestMemError) -> MemoryHeadroom {
        let meminfo: MemInfo
        do throws(Errno) { meminfo = try MemInfo.read() } catch { throw .kernel("read /proc/meminfo", error) }
        let host = MemoryHeadroom(
            limitBytes: meminfo.memTotal, availableBytes: meminfo.memAvailable, source: "host",
            reserveBytes: reserveBytes, pendingBytes: pendingBytes.load(ordering: .relaxed))
        guard let cgroup, let level = cgroup.tightest(), level.headroomBytes < host.availableBytes else {
            return host
        }
        return MemoryHeadroom(
            limitBytes: level.limitBytes, availableBytes: level.headroomBytes,
            source: "\(cgroup.version.rawValue) \(level.path)", reserveBytes: reserveBytes,
            pendingBytes: host.pendingBytes)
    }
}

/// What the headroom guard sees: the tightest limit, what is left under it, and where it comes
/// from (`host`, or `cgroup v1 /sys/fs/cgroup/memory/…`).
package struct MemoryHeadroom: Sendable, Equatable {
    /// MemTotal for the host, the limit (v1 `memory.limit_in_bytes`, v2 the lower of
    /// `memory.max` and `memory.high`) for a cgroup.
    package let limitBytes: Int64
    /// MemAvailable for the host, the limit less the usage for a cgroup.
    package let availableBytes: Int64
    package let source: String
    /// What no allocation may eat into (`--host-reserve-bytes`).
    package let reserveBytes: Int64
    /// Allocations that passed the guard and are running now.
    package let pendingBytes: Int64
}
