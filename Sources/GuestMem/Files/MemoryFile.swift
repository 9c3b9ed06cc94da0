import Synchronization
import SystemPackage

/// One tenant's memory file: a memfd and what the service keeps beside it.
///
/// Locking: `state` guards everything that changes; the `let`s never do. It is held across this
/// file's own syscalls (fallocate of 1 GiB takes about 0.25 s, kernel-semantics.md §2), so
/// callers run off the event loops. The only lock ever taken while it is held is a consumer's
/// small one, briefly, to record an event or change a pin (Consumer.swift); the tenant's usage is
/// reserved before and settled after, by the store.
final class MemoryFile: Sendable {
    let id: FileID
    let tenant: TenantID
    let name: String
    let flags: FileFlags
    let createdAt: Timestamp
    /// The host page size: an inaccessible file's sizes and ranges must be multiples of it.
    let pageSize: Int64
    /// The bytes the kernel allocates at a time: the page size, or the huge page size.
    let allocationUnit: Int64
    let state: Mutex<State>

    struct State: ~Copyable {
        /// nil once the file is deleted: every call then answers notFound.
        var memfd: Memfd?
        var serviceSeals: SealSet
        var version: UInt64 = 1
        var updatedAt: Timestamp
        /// What the tenant's usage counts for this file: the last st_blocks × 512 seen.
        var accountedBytes: Int64 = 0
        var map: AllocationMap
        /// Attached consumers and the dirty log (MemoryFile+Consumers).
        var consumers = ConsumerTable()
        /// A descriptor of it is outside gmemd, for good (MemoryFile+Export).
        var isExported = false
        var isInaccessible: Bool { serviceSeals.contains(.inaccessible) }
        /// Whether the file was deleted: its memfd is gone.
        var isDeleted: Bool {
            switch memfd {
            case .some: false
            case .none: true
            }
        }
    }

    init(
        id: FileID, tenant: TenantID, name: String, flags: FileFlags, memfd: consuming Memfd, blockSize: Int64
    ) {
        let now = Timestamp.now()
        (self.id, self.tenant, self.name, self.flags, createdAt) = (id, tenant, name, flags, now)
        pageSize = HostProbe.pageSize
        allocationUnit = max(pageSize, blockSize)
        state = Mutex(
            State(
                memfd: memfd, serviceSeals: flags.inaccessible ? .inaccessible : [], updatedAt: now,
                map: AllocationMap(unit: allocationUnit)))
    }

    /// Whether the `inaccessible` seal is set. It can only go from false to true, and only
    /// while the file is empty.
    var isInaccessible: Bool { state.withLock { $0.isInaccessible } }

    /// The file as it is now.
    func snapshot() throws(GuestMemError) -> FileSnapshot {
        try state.withLock { (state) throws(GuestMemError) in try snapshot(state) }
    }

    /// The most `range` could allocate: every allocation unit it touches.
    func worstCase(_ range: ByteRange) -> Int64 {
        let units = (range.end - 1) / allocationUnit - range.offset / allocationUnit + 1
        let (bytes, overflow) = units.multipliedReportingOverflow(by: allocationUnit)
        return overflow ? .max : bytes
    }

    func snapshot(_ state: borrowing State) throws(GuestMemError) -> FileSnapshot {
        let (status, kernelSeals) = try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
            (
                try kernel("fstat") { () throws(Errno) in try memfd.status() },
                try kernel("fcntl(F_GET_SEALS)") { () throws(Errno) in try memfd.seals() }
            )
        }
        return FileSnapshot(
            id: id, name: name, backend: .memfd, size: status.size, allocatedBytes: status.allocatedBytes,
            seals: kernelSeals.union(state.serviceSeals), flags: flags, createdAt: createdAt,
            updatedAt: state.updatedAt, version: state.version)
    }

    /// Runs `body` with the memfd, or answers notFound once the file is deleted.
    static func withMemfd<R>(
        _ state: borrowing State, _ id: FileID, _ body: (borrowing Memfd) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        switch state.memfd {
        case .some(let memfd): return try body(memfd)
        case .none: throw .notFound("no file \(id)")
        }
    }

    /// Reads st_blocks, books the change since the last look into `charge`, and checks the
    /// allocation map against it.
    func recount(_ state: inout State, _ charge: inout Charge) throws(GuestMemError) -> MemfdStatus {
        let status = try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
            try kernel("fstat") { () throws(Errno) in try memfd.status() }
        }
        let change = status.allocatedBytes - state.accountedBytes
        state.accountedBytes = status.allocatedBytes
        charge.allocatedBytes += change
        charge.lockedBytes += state.isInaccessible ? change : 0
        state.map.reconcile(kernelBytes: status.allocatedBytes)
        return status
    }

    /// Marks a change: the version (the ETag) and the update time move.
    static func touch(_ state: inout State) {
        state.version += 1
        state.updatedAt = .now()
    }

    /// Refuses with 412 unless the current version is one of `expected` (nil: any version).
    static func requireVersion(_ expected: Set<UInt64>?, _ state: borrowing State) throws(GuestMemError) {
        if let expected, !expected.contains(state.version) {
            throw .preconditionFailed("version is \(state.version), not one of \(expected.sorted())")
        }
    }

    /// Refuses content access to an inaccessible file, as a seal would: EPERM.
    static func requireAccessible(_ state: borrowing State) throws(GuestMemError) {
        if state.isInaccessible { throw .refused("file is inaccessible", errno: .notPermitted) }
    }

    /// An inaccessible file takes only page-aligned sizes and ranges: EINVAL, as guest_memfd's
    /// fallocate answers an unaligned range (kernel-semantics.md A4, A9).
    func requireAligned(_ values: Int64..., in state: borrowing State) throws(GuestMemError) {
        guard state.isInaccessible, values.contains(where: { $0 % pageSize != 0 }) else { return }
        throw .invalid(
            "an inaccessible file takes only multiples of \(pageSize) bytes", errno: .invalidArgument)
    }
}
