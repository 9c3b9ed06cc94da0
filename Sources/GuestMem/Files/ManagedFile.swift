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
///   a GET of a file whose figures cannot drift (`State.canDrift`) takes not even that and makes
///   no syscall: it answers what the last hold published (FileStateLock), the kernel's figures
///   included, which every change reads after it acts and publishes with its version (`touch`).
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
        /// A memfd gmemd has mapped shared, as a memslot's memory (ManagedFile+Memslot), for good.
        var isMapped = false
        /// The kernel's figures as gmemd's last change to the file left them, read after it
        /// under the operation lock (`touch`); a read of a file that cannot drift answers these.
        var figures: FileFigures
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

        /// Whether the kernel's figures of this memfd may move without gmemd changing it, so that
        /// a read must ask the kernel (fstat, F_GET_SEALS) and book what it finds; the one place
        /// that decides it. They may once anything but gmemd's own calls can reach the file's
        /// pages or size:
        /// - a descriptor left gmemd (handed to a process consumer, adopted from a process that
        ///   may keep its own): its holders allocate, punch, resize and seal when they like;
        /// - gmemd mapped it (a memslot): the guest's writes allocate pages, and khugepaged may
        ///   collapse the mapped range into huge pages (filling holes) where the host's shmem THP
        ///   policy allows.
        /// Both are for good: a descriptor cannot be taken back, and a memslot's mapping outlives
        /// its consumer's detach (the VM unbinds it after) with nothing to tell the file when the
        /// last mapping went. Every other memfd changes only through gmemd's calls under the
        /// operation lock, each of which publishes what the kernel answers after it. A guest_memfd
        /// never drifts: its figures are gmemd's own record (kernel-semantics.md A11).
        var canDrift: Bool { isExported || isMapped }
    }

    init(
        id: FileID, tenant: TenantID, name: String, backend: BackendInfo, backing: consuming FileBacking,
        reader: MemfdReader?, figures: FileFigures, allocationUnit: Int64,
        whileAllocating: (@Sendable (FileID) -> Void)? = nil,
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
                consumers: ConsumerTable(pageSize: pageSize), figures: figures))
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

    /// The file as the last hold of the state lock published it, taking no lock and making no
    /// syscall, or nil when its figures can drift (`State.canDrift`): a read of that one asks the
    /// kernel and books what the holders allocated, under the state lock (`snapshotRecounting`).
    func snapshotWithoutLock() throws(GuestMemError) -> FileSnapshot? {
        try state.reading { (published) throws(GuestMemError) -> FileSnapshot? in
            published.canDrift && !published.isDeleted ? nil : try snapshot(published)
        }
    }

    /// The file as the kernel says it is now, booking into `charge` what was allocated or freed
    /// behind gmemd's back, in one hold of the state lock: a read of a file whose figures can
    /// drift, which the lock-free read leaves to this.
    func snapshotRecounting(_ charge: inout Charge) throws(GuestMemError) -> FileSnapshot {
        try state.withLock { (state) throws(GuestMemError) in
            guard !state.isDeleted else { throw .notFound("no file \(id)") }
            var published = FileStateLock.Published(state)
            if let figures = try driftedFigures(state) {
                book(figures.allocatedBytes, &state, &charge)
                published.figures = figures
            }
            return try snapshot(published)
        }
    }

    /// The file from its state: the kernel's figures as the last change published them, or as
    /// the kernel answers now for a file whose figures can drift.
    func snapshot(_ state: borrowing State) throws(GuestMemError) -> FileSnapshot {
        var published = FileStateLock.Published(state)
        if let figures = try driftedFigures(state) { published.figures = figures }
        return try snapshot(published)
    }

    /// What the kernel answers now for a memfd whose figures can drift; nil for any other file,
    /// whose published figures are the kernel's.
    func driftedFigures(_ state: borrowing State) throws(GuestMemError) -> FileFigures? {
        guard state.canDrift, !state.isDeleted, let reader = state.reader else { return nil }
        return try reader.figures()
    }

    /// The file from what a read needs of its state; no syscall.
    private func snapshot(_ state: FileStateLock.Published) throws(GuestMemError) -> FileSnapshot {
        guard !state.isDeleted else { throw .notFound("no file \(id)") }
        switch backend {
        case .memfd(let flags):
            return FileSnapshot(
                id: id, name: name, backend: .memfd, size: state.figures.size,
                allocatedBytes: state.figures.allocatedBytes,
                seals: state.figures.seals.union(state.serviceSeals),
                flags: flags, createdAt: createdAt, updatedAt: state.updatedAt, version: state.version)
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

    /// Marks a change: the version (the ETag) and the update time move, and `figures`, what the
    /// kernel answered after the change (`FileBacking.figures`, read under the operation lock the
    /// change holds), are published in the same hold: a read never gets a version with the
    /// figures of another (a client caches by ETag), and a file that cannot drift answers them
    /// with no syscall. Every change that reaches the kernel object ends here.
    static func touch(_ state: inout State, after figures: FileFigures) {
        state.figures = figures
        state.version += 1
        state.updatedAt = .now()
    }

    /// After a call that failed or changed nothing: when the kernel's figures moved all the same
    /// (hugetlbfs keeps the pages of a failed fallocate, F8), that is a change and the version
    /// moves with them. A file that can drift is read from the kernel anyway.
    static func touchIfMoved(_ state: inout State, after figures: FileFigures) {
        guard !state.canDrift, figures != state.figures else { return }
        touch(&state, after: figures)
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
