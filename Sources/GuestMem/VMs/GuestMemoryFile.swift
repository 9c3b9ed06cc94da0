import Synchronization
import SystemPackage

/// One tenant's guest_memfd file: a `GuestMemfd` of one of its VMs, and what the service keeps
/// beside it. A type of its own beside `MemoryFile`, not a second backing inside it: almost
/// nothing a memfd file does applies. Its size is fixed, it has no kernel seals, its usage comes
/// from gmemd's extent map instead of st_blocks, its content goes through a mapping instead of
/// pread/pwrite/sendfile, and it belongs to a VM.
///
/// Locking: `state` guards everything that changes; the `let`s never do. It is held across
/// this file's own syscalls (fallocate of 1 GiB takes about 0.25 s, kernel-semantics.md §2),
/// so callers run off the event loops. No other lock is taken while it is held.
final class GuestMemoryFile: Sendable {
    let id: FileID
    let tenant: TenantID
    let vm: VMID
    let name: String
    let size: Int64
    let flags: GuestMemfdFlags
    let createdAt: Timestamp
    /// The page: fallocate ranges, consumer ranges and pins are whole multiples of it.
    let allocationUnit = HostProbe.pageSize
    let state: Mutex<State>

    struct State: ~Copyable {
        /// nil once the file is deleted: every call then answers notFound.
        var file: GuestMemfd?
        var serviceSeals: SealSet
        var version: UInt64 = 1
        var updatedAt: Timestamp
        /// Attached consumers, and the dirty log (GuestMemoryFile+Consumers).
        var consumers = ConsumerTable()
    }

    /// A file that is not mappable is inaccessible by nature (design.md §2, "Seals"): the
    /// kernel refuses read and write, and mmap too, or its mapping faults.
    init(id: FileID, tenant: TenantID, vm: VMID, name: String, file: consuming GuestMemfd) {
        let now = Timestamp.now()
        (self.id, self.tenant, self.vm, self.name, createdAt) = (id, tenant, vm, name, now)
        (size, flags) = (file.size, file.flags)
        state = Mutex(State(file: file, serviceSeals: flags.isMappable ? [] : .inaccessible, updatedAt: now))
    }

    func snapshot() throws(GuestMemError) -> FileSnapshot {
        try state.withLock { (state) throws(GuestMemError) in try snapshot(&state) }
    }

    func snapshot(_ state: inout State) throws(GuestMemError) -> FileSnapshot {
        let allocated = try Self.withFile(&state, id) { (file) throws(GuestMemError) in
            file.allocation.totalLength
        }
        return FileSnapshot(
            id: id, name: name, backend: .guestMemfd, size: size, allocatedBytes: allocated,
            seals: state.serviceSeals,
            flags: FileFlags(allowSealing: false, mmap: flags.mmap, initShared: flags.initShared),
            createdAt: createdAt, updatedAt: state.updatedAt, version: state.version, vm: vm)
    }

    /// Asks the kernel to resize, which it refuses for a guest_memfd (EINVAL, G5): the answer is
    /// the kernel's own. `versions`, when given, must hold the current version.
    func resize(to size: Int64, expecting versions: Set<UInt64>?) throws(GuestMemError) -> FileSnapshot {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requireVersion(versions, state)
            try Self.withFile(&state, id) { (file) throws(GuestMemError) in
                try kernel("ftruncate") { () throws(Errno) in try file.resize(to: size) }
            }
            return try snapshot(&state)
        }
    }

    /// Takes the guest_memfd out, so every later call answers notFound, and books its extents as
    /// freed, all of them locked. Every pin is revoked and every consumer detached first, in the
    /// same hold; `detached` gets those consumers. The caller closes the guest_memfd outside every
    /// lock: that close frees the pages, unless a memslot's mapping still holds them.
    func remove(expecting versions: Set<UInt64>?, charge: inout Charge, detached: inout [Consumer])
        throws(GuestMemError) -> GuestMemfd
    {
        try state.withLock { (state) throws(GuestMemError) -> GuestMemfd in
            try Self.requireVersion(versions, state)
            guard let file = state.file.take() else { throw .notFound("no file \(id)") }
            // The size is a positive multiple of the page (C1): a valid range.
            detached = state.consumers.detachAll(
                invalidating: try? ByteRange(offset: 0, length: size), pinsAreLocked: false, charge: &charge)
            charge.book(freed: file.allocation.totalLength)
            charge.files -= 1
            return file
        }
    }

    /// Runs `body` with the guest_memfd, or answers notFound once the file is deleted.
    static func withFile<R>(
        _ state: inout State, _ id: FileID, _ body: (inout GuestMemfd) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        try state.file.whilePresent(orThrow: .notFound("no file \(id)"), body)
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
}

extension Charge {
    /// Books a change of a guest_memfd's extent map: all of it locked memory, since guest_memfd
    /// pages are unevictable and unmovable (kernel-semantics.md A12, O1).
    mutating func book(allocated bytes: Int64) {
        allocatedBytes += bytes
        lockedBytes += bytes
    }

    mutating func book(freed bytes: Int64) { book(allocated: -bytes) }
}
