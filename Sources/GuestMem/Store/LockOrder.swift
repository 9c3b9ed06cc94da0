import Locking

#if canImport(Glibc)
    import Glibc
#endif

/// The one order in which the domain's locks nest (style.md §6). A thread may take a lock only
/// while every lock it holds ranks lower, so two locks of one rank never nest (two files, two
/// consumers, two VMs), and nothing is taken under a leaf. Debug builds check every take
/// (`RankedMutex`); release builds trust the order.
///
/// | rank | lock | held across | taken under it |
/// |---|---|---|---|
/// | `tenantChanges` | `TenantDirectory.changes` | the tenant journal's save (write, fsync, rename) | the directory's table, a tenant's state, the store's maps: one at a time |
/// | `fileJournal` | `ManagedFile.journalLock` | the file journal's write of this file's record (write, fsync, rename); for a create with an idempotency receipt, the change too (MemoryStore.creating) | its state lock, to take the record; in such a create, whatever that change takes |
/// | `vm` | `HeldVM.state` | KVM_CREATE_GUEST_MEMFD, KVM_SET_USER_MEMORY_REGION2 (quick) | a file's operation lock, to bind and attach in one step |
/// | `fileOperation` | `ManagedFile.operation` | the file's slow syscalls: fallocate (~0.25 s a GiB), ftruncate, pread/pwrite, F_ADD_SEALS, mmap | its state lock |
/// | `fileState` | `ManagedFile.state` | assignments, fstat, F_GET_SEALS: what a read needs | consumers' locks, to record events and pins |
/// | `consumer` | `Consumer.state` | a few assignments | nothing |
/// | `tenant` | `Tenant.state` (leaf) | arithmetic | nothing |
/// | `storeMaps` | `MemoryStore.maps` (leaf) | dictionary lookups | nothing |
/// | `tenantTable` | `TenantDirectory.table` (leaf) | dictionary lookups: token checks | nothing |
///
/// Reads (a file's snapshot, its seals, consumers and dirty log, listings, usage) take only
/// `fileState` and leaves, never `fileOperation`: they do not wait behind a running fallocate.
/// A GET of a file and a listing take not even `fileState` (FileStateLock publishes what they read,
/// the kernel's figures included), unless the file's figures can drift (`State.canDrift`).
enum LockRank: Int, CaseIterable, Sendable {
    case tenantChanges, fileJournal, vm, fileOperation, fileState, consumer, tenant, storeMaps, tenantTable

    /// Nothing may be taken while a leaf is held.
    var isLeaf: Bool { self == .tenant || self == .storeMaps || self == .tenantTable }

    /// Why taking `self` while holding `held` breaks the order, or nil when it does not.
    func violation(holding held: Set<LockRank>) -> String? {
        if let leaf = held.first(where: \.isLeaf) { return "\(self) taken under the leaf \(leaf)" }
        if let above = held.first(where: { $0.rawValue >= rawValue }) {
            return "\(self) taken under \(above), which does not rank below it"
        }
        return nil
    }
}

/// The ranks the current thread holds, for debug builds' order check: a bit per rank, kept in a
/// thread-specific slot (a lock is taken and let go on one thread, inside `withLock`).
enum HeldRanks {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        // Fails only when the process is out of keys (PTHREAD_KEYS_MAX, 1024): a gmemd bug.
        precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
        return key
    }()

    static var current: Set<LockRank> {
        let bits = Int(bitPattern: pthread_getspecific(key))
        return Set(LockRank.allCases.filter { bits & (1 << $0.rawValue) != 0 })
    }

    static func willTake(_ rank: LockRank) {
        let held = current
        if let violation = rank.violation(holding: held) { preconditionFailure("lock order: \(violation)") }
        store(held.union([rank]))
    }

    static func didRelease(_ rank: LockRank) { store(current.subtracting([rank])) }

    private static func store(_ ranks: Set<LockRank>) {
        let bits = ranks.reduce(0) { $0 | (1 << $1.rawValue) }
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: bits))
    }
}

/// A `PthreadMutex` with its place in `LockRank`'s order, checked on every take in debug builds.
struct RankedMutex<Value: ~Copyable>: ~Copyable, Sendable {
    let rank: LockRank
    private let mutex: PthreadMutex<Value>

    init(_ rank: LockRank, _ value: consuming sending Value) {
        self.rank = rank
        mutex = PthreadMutex(value)
    }

    borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        #if DEBUG
            HeldRanks.willTake(rank)
            defer { HeldRanks.didRelease(rank) }
        #endif
        return try mutex.withLock(body)
    }
}
