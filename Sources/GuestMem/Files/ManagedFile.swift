import SystemPackage

/// One tenant's memory file, either backing: the record gmemd keeps beside the kernel object
/// (id, name, version and ETag, service seals, consumers and their pins, the dirty log, the
/// usage booked for it).
///
/// Locking (LockOrder.swift), as guest_memfd.c keeps `filemap_invalidate_lock` apart from the
/// state it guards:
/// - `operation` owns the kernel object and is held across this file's slow syscalls: fallocate
///   (about 0.25 s a GiB, kernel-semantics.md §2), ftruncate, content I/O, F_ADD_SEALS, mmap.
///   Every change to the file takes it first, so what a change checked under `state` still
///   holds when it acts, and changes happen one at a time, in the order consumers hear them.
/// - `state` guards what reads need and is held only for assignments and calls that never
///   block (fstat, F_GET_SEALS on the memfd's fd, which the deletion takes away under it before
///   the memfd closes). Reads take it alone, so they answer while a fallocate runs, on the loop;
///   a GET of a file whose descriptor never left takes not even that, but what its last hold
///   published (FileStateLock).
/// A detach, an unpin and the dirty log change only `state`: they touch no kernel object.
final class ManagedFile: Sendable {
    let id: FileID
    let tenant: TenantID
    let name: String
    let createdAt: Timestamp
    let backend: BackendInfo
    /// The host page size: a guest_memfd's and an inaccessible memfd's ranges are multiples of it.
    let pageSize: Int64
    /// The bytes the kernel allocates at a time: the page size, or the huge page size.
    let allocationUnit: Int64
    let operation: RankedMutex<FileBacking?>
    let state: FileStateLock
    /// Orders the writes of this file's journal record (ManagedFile+Record): held across one
    /// write, taken with no other lock held.
    let journalLock = RankedMutex(.fileJournal, ())
    /// Called with the operation lock held, before fallocate's kernel call: a test's gate, to
    /// hold a fallocate in place while reads go on. nil in gmemd.
    let whileAllocating: (@Sendable (FileID) -> Void)?

    /// What never changes about the backing.
    enum BackendInfo: Sendable {
        case memfd(FileFlags)
        /// A guest_memfd of `vm`: its size is fixed (G5).
        case guestMemfd(vm: VMID, size: Int64, flags: GuestMemfdFlags)
    }

    struct State {
        /// The memfd's fd for reads under this lock; nil for a guest_memfd.
        var reader: MemfdReader?
        /// Set under this lock before the backing closes: every later call answers notFound.
        var isDeleted = false
        var serviceSeals: SealSet
        var version: UInt64 = 1
        var updatedAt: Timestamp
        /// What the tenant's usage counts for this file: the last st_blocks × 512 seen, or a
        /// guest_memfd's extents.
        var accountedBytes: Int64 = 0
        /// Attached consumers and the dirty log.
        var consumers: ConsumerTable
        /// A descriptor of it is outside gmemd, for good (ManagedFile+Export).
        var isExported = false
        /// The consumers' part of the last journal record taken, and the consumers' revision it
        /// was taken at: while that revision holds, a record reuses it (with the leases renewed
        /// since) instead of visiting every consumer's lock.
        var consumerRecords: (revision: UInt64, records: [ConsumerRecord])?
        /// The version lease the journal holds, and the changes under way that may each take one
        /// version before their line (ManagedFile+VersionLease): `version + versionsReserved`
        /// never passes the lease. 0 until the first line.
        var versionLease: UInt64 = 0
        var versionsReserved: UInt64 = 0
        /// What the last line held of the record's other parts; nil before the first line and
        /// after a line failed.
        var journaledMark: RecordMark?
        var isInaccessible: Bool { serviceSeals.contains(.inaccessible) }
    }

    init(
        id: FileID, tenant: TenantID, name: String, backend: BackendInfo, backing: consuming FileBacking,
        reader: MemfdReader?, allocationUnit: Int64, whileAllocating: (@Sendable (FileID) -> Void)? = nil,
        createdAt: Timestamp? = nil
    ) {
        let now = Timestamp.now()
        (self.id, self.tenant, self.name, self.backend) = (id, tenant, name, backend)
        self.createdAt = createdAt ?? now
        pageSize = HostProbe.pageSize
        self.allocationUnit = allocationUnit
        self.whileAllocating = whileAllocating
        let seals: SealSet =
            switch backend {
            case .memfd(let flags): flags.inaccessible ? .inaccessible : []
            // Not mappable: inaccessible by nature (design.md §2, "Seals").
            case .guestMemfd(_, _, let flags): flags.isMappable ? [] : .inaccessible
            }
        state = FileStateLock(
            State(
                reader: reader, serviceSeals: seals, updatedAt: now,
                consumers: ConsumerTable(pageSize: pageSize)))
        operation = RankedMutex(.fileOperation, backing)
    }

    var isGuestMemfd: Bool {
        if case .guestMemfd = backend { true } else { false }
    }

    /// The VM a guest_memfd belongs to; nil for a memfd.
    var vm: VMID? {
        if case .guestMemfd(let vm, _, _) = backend { vm } else { nil }
    }

    /// Whether the `inaccessible` seal is set. It only goes from false to true.
    var isInaccessible: Bool { state.withLock { $0.isInaccessible } }

    /// Whether every allocated byte is locked memory: a guest_memfd's (unevictable, A12, O1) and an
    /// inaccessible memfd's. A pin adds no locked bytes in such a file.
    var allocationIsLocked: Bool { state.withLock { allocationIsLocked($0) } }

    func allocationIsLocked(_ state: borrowing State) -> Bool { isGuestMemfd || state.isInaccessible }

    /// The file as it is now. Takes only the state lock: it answers while a fallocate runs.
    func snapshot() throws(GuestMemError) -> FileSnapshot {
        try state.withLock { (state) throws(GuestMemError) in try snapshot(state) }
    }

    /// The file as it is now, taking no lock, or nil when its descriptor left gmemd: a read of
    /// that one books what the holders allocated, under the state lock (`recountExported`).
    /// The kernel's figures are read now, as under the lock; the rest is what the last hold of
    /// the state lock left, which every change holds it to make.
    func snapshotWithoutLock() throws(GuestMemError) -> FileSnapshot? {
        try state.reading { (published) throws(GuestMemError) -> FileSnapshot? in
            published.isExported && !published.isDeleted ? nil : try snapshot(published)
        }
    }

    /// `known` is what an fstat under the operation lock just read, so as not to read it again.
    func snapshot(_ state: borrowing State, knowing known: (size: Int64, allocatedBytes: Int64)? = nil)
        throws(GuestMemError) -> FileSnapshot
    {
        try snapshot(FileStateLock.Published(state), knowing: known)
    }

    /// The file from what a read needs of its state, and the kernel's answers for a memfd; its
    /// fd must stay open meanwhile (under the state lock, or in `FileStateLock.reading`).
    private func snapshot(
        _ state: FileStateLock.Published, knowing known: (size: Int64, allocatedBytes: Int64)? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        guard !state.isDeleted else { throw .notFound("no file \(id)") }
        switch backend {
        case .memfd(let flags):
            // Present while the file is: set at creation, taken away only with isDeleted.
            let reader = MemfdReader(fd: FileDescriptor(rawValue: state.descriptor!))
            let (size, allocatedBytes): (Int64, Int64)
            if let known {
                (size, allocatedBytes) = known
            } else {
                let read = try kernel("fstat") { () throws(Errno) in try reader.status() }
                (size, allocatedBytes) = (read.size, read.allocatedBytes)
            }
            let kernelSeals = try kernel("fcntl(F_GET_SEALS)") { () throws(Errno) in try reader.seals() }
            return FileSnapshot(
                id: id, name: name, backend: .memfd, size: size, allocatedBytes: allocatedBytes,
                seals: kernelSeals.union(state.serviceSeals), flags: flags, createdAt: createdAt,
                updatedAt: state.updatedAt, version: state.version)
        case .guestMemfd(let vm, let size, let flags):
            return FileSnapshot(
                id: id, name: name, backend: .guestMemfd, size: size, allocatedBytes: state.accountedBytes,
                seals: state.serviceSeals,
                flags: FileFlags(allowSealing: false, mmap: flags.mmap, initShared: flags.initShared),
                createdAt: createdAt, updatedAt: state.updatedAt, version: state.version, vm: vm)
        }
    }

    /// Runs `body` under the operation lock with the kernel object; notFound once deleted.
    func operating<R: ~Copyable>(_ body: (inout FileBacking) throws(GuestMemError) -> sending R)
        throws(GuestMemError) -> sending R
    {
        try operation.withLock { (backing) throws(GuestMemError) -> sending R in
            try backing.whilePresent(orThrow: .notFound("no file \(id)"), body)
        }
    }

    /// Runs `body` under the state lock; notFound once deleted.
    func withState<R: Sendable>(_ body: (inout State) throws(GuestMemError) -> R) throws(GuestMemError) -> R {
        try state.withLock { (state) throws(GuestMemError) -> R in
            guard !state.isDeleted else { throw .notFound("no file \(id)") }
            return try body(&state)
        }
    }

    /// The most `range` could allocate: every allocation unit it touches; for a guest_memfd only
    /// its pages inside the fixed size (A5, P7).
    func worstCase(_ range: ByteRange) -> Int64 {
        if case .guestMemfd(_, let size, _) = backend {
            let start = range.offset / pageSize * pageSize
            let end = min(size, (range.end - 1) / pageSize * pageSize + pageSize)
            return max(0, end - start)
        }
        let units = (range.end - 1) / allocationUnit - range.offset / allocationUnit + 1
        let (bytes, overflow) = units.multipliedReportingOverflow(by: allocationUnit)
        return overflow ? .max : bytes
    }

    /// Books the allocation the kernel reports now into `charge`: the change since the last look.
    func book(_ allocatedBytes: Int64, _ state: inout State, _ charge: inout Charge) {
        let change = allocatedBytes - state.accountedBytes
        state.accountedBytes = allocatedBytes
        charge.allocatedBytes += change
        charge.lockedBytes += allocationIsLocked(state) ? change : 0
    }

    /// Marks a change: the version (the ETag) and the update time move.
    static func touch(_ state: inout State) {
        state.version += 1
        state.updatedAt = .now()
    }

    /// Refuses with 412 unless the current version is one of `expected` (nil: any version).
    /// Checked under the operation lock, which every change holds: of two changes that saw one
    /// version, only the first applies.
    func requireVersion(_ expected: Set<UInt64>?) throws(GuestMemError) {
        try withState { (state) throws(GuestMemError) in
            if let expected, !expected.contains(state.version) {
                throw .preconditionFailed("version is \(state.version), not one of \(expected.sorted())")
            }
        }
    }

    /// An inaccessible memfd takes only page-aligned sizes and ranges: EINVAL, as guest_memfd's
    /// fallocate answers an unaligned range (kernel-semantics.md A4, A9). A guest_memfd's own
    /// ranges the kernel judges.
    func requireAligned(_ values: Int64..., in state: borrowing State) throws(GuestMemError) {
        guard !isGuestMemfd, state.isInaccessible, values.contains(where: { $0 % pageSize != 0 }) else {
            return
        }
        throw .invalid(
            "an inaccessible file takes only multiples of \(pageSize) bytes", errno: .invalidArgument)
    }
}
