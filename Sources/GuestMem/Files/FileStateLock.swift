import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A file's state lock, with what a read of the file needs published beside it as atomics each
/// time a hold ends (a sequence lock), so that a GET takes no lock at all: two event loops
/// reading one file queued on the state lock in every GET (a profile of 64 connections showed
/// futex waits from both loops), as it was held across fstat and F_GET_SEALS.
///
/// Locking: the holders of `lock` are the only writers of the published fields, one at a time;
/// a reader retries while a hold is publishing. `readers` counts the reads that use the memfd's
/// fd outside the lock: the deletion publishes `isDeleted`, then waits for them to leave
/// (`awaitReaders`) before the fd can close, so a read never runs fstat on a closed or reused fd.
struct FileStateLock: ~Copyable, Sendable {
    /// What a read needs of `ManagedFile.State`, as the last hold of the lock left it.
    struct Published: Equatable {
        var version: UInt64
        var updatedAt: Timestamp
        var serviceSeals: SealSet
        var accountedBytes: Int64
        var isDeleted: Bool
        var isExported: Bool
        /// The memfd's fd for reads; nil for a guest_memfd, and once deleted.
        var descriptor: Int32?

        init(_ state: borrowing ManagedFile.State) {
            (version, updatedAt, serviceSeals) = (state.version, state.updatedAt, state.serviceSeals)
            (accountedBytes, isDeleted, isExported) = (
                state.accountedBytes, state.isDeleted, state.isExported
            )
            descriptor = state.reader?.fd.rawValue
        }

        init(
            version: UInt64, updatedAt: Timestamp, serviceSeals: SealSet, accountedBytes: Int64, flags: UInt64
        ) {
            (self.version, self.updatedAt, self.serviceSeals) = (version, updatedAt, serviceSeals)
            self.accountedBytes = accountedBytes
            (isDeleted, isExported) = (flags & 1 != 0, flags & 2 != 0)
            descriptor = flags & 4 != 0 ? Int32(truncatingIfNeeded: flags >> 32) : nil
        }

        /// isDeleted, isExported and the descriptor in one word: bit 0, bit 1, bit 2 (present),
        /// and the fd in the high half.
        var flags: UInt64 {
            let present = descriptor.map { UInt64(UInt32(bitPattern: $0)) << 32 | 4 } ?? 0
            return (isDeleted ? 1 : 0) | (isExported ? 2 : 0) | present
        }
    }

    private let lock: RankedMutex<ManagedFile.State>
    /// Odd while a hold is publishing.
    private let sequence = Atomic<UInt64>(0)
    private let version: Atomic<UInt64>
    private let updatedAt: Atomic<Int64>
    private let serviceSeals: Atomic<UInt32>
    private let accountedBytes: Atomic<Int64>
    private let flags: Atomic<UInt64>
    private let readers = Atomic<Int>(0)

    init(_ state: consuming sending ManagedFile.State) {
        let published = Published(state)
        version = Atomic(published.version)
        updatedAt = Atomic(published.updatedAt.nanosecondsSinceEpoch)
        serviceSeals = Atomic(published.serviceSeals.rawValue)
        accountedBytes = Atomic(published.accountedBytes)
        flags = Atomic(published.flags)
        lock = RankedMutex(.fileState, state)
    }

    /// Runs `body` under the lock, then publishes what a read needs of the state it left.
    borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending ManagedFile.State) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        try lock.withLock { (state) throws(E) -> sending Result in
            defer { publish(Published(state)) }
            return try body(&state)
        }
    }

    /// Runs `body` with the published state, taking no lock; while it runs, the memfd's fd that
    /// `Published.descriptor` names stays open (when the file was not deleted).
    borrowing func reading<Result, E: Error>(_ body: (Published) throws(E) -> Result) throws(E) -> Result {
        // Sequentially consistent, before the fields are read: the deletion's awaitReaders sees
        // this read, or this read sees isDeleted (a Dekker pair with the fence there).
        readers.add(1, ordering: .sequentiallyConsistent)
        defer { readers.subtract(1, ordering: .releasing) }
        return try body(published())
    }

    /// Waits until no read that may have seen the file undeleted uses its fd. Called after the
    /// hold that set `isDeleted` ended, before the fd closes; reads last two syscalls.
    borrowing func awaitReaders() {
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        while readers.load(ordering: .acquiring) != 0 { sched_yield() }
    }

    /// Stores `value` as the published state, unless it is already. Only a holder of the lock
    /// calls it, so the stores of two holds never interleave.
    private borrowing func publish(_ value: Published) {
        guard value != load() else { return }
        let start = sequence.load(ordering: .relaxed)
        sequence.store(start + 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        version.store(value.version, ordering: .relaxed)
        updatedAt.store(value.updatedAt.nanosecondsSinceEpoch, ordering: .relaxed)
        serviceSeals.store(value.serviceSeals.rawValue, ordering: .relaxed)
        accountedBytes.store(value.accountedBytes, ordering: .relaxed)
        flags.store(value.flags, ordering: .relaxed)
        sequence.store(start + 2, ordering: .releasing)
    }

    /// The published state, whole: read again if a hold published meanwhile.
    private borrowing func published() -> Published {
        while true {
            let before = sequence.load(ordering: .acquiring)
            guard before & 1 == 0 else {
                sched_yield()
                continue
            }
            let value = load()
            atomicMemoryFence(ordering: .acquiring)
            if sequence.load(ordering: .relaxed) == before { return value }
        }
    }

    private borrowing func load() -> Published {
        Published(
            version: version.load(ordering: .relaxed),
            updatedAt: Timestamp(nanosecondsSinceEpoch: updatedAt.load(ordering: .relaxed)),
            serviceSeals: SealSet(rawValue: serviceSeals.load(ordering: .relaxed)),
            accountedBytes: accountedBytes.load(ordering: .relaxed), flags: flags.load(ordering: .relaxed))
    }
}
