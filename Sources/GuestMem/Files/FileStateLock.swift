import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A file's state lock, with what a read of the file needs published beside it as atomics each
/// time a hold ends (a sequence lock), so that a GET takes no lock at all: two event loops
/// reading one file queued on the state lock in every GET (a profile of 64 connections showed
/// futex waits from both loops), as it was held across fstat and F_GET_SEALS. The kernel's
/// figures are published too, as the last change read them (`ManagedFile.touch`), so a read of a
/// file that cannot drift makes no syscall either; one that can drifts takes the lock and asks
/// the kernel under it, where the memfd's fd stays open.
///
/// Locking: the holders of `lock` are the only writers of the published fields, one at a time;
/// a reader retries while a hold is publishing. A reader touches no fd, so the deletion needs
/// nothing from readers before the memfd closes: a read that comes after sees `isDeleted`.
struct FileStateLock: ~Copyable, Sendable {
    /// What a read needs of `ManagedFile.State`, as the last hold of the lock left it.
    struct Published: Equatable {
        var version: UInt64
        var updatedAt: Timestamp
        var serviceSeals: SealSet
        var accountedBytes: Int64
        var figures: FileFigures
        var isDeleted: Bool
        var canDrift: Bool

        init(_ state: borrowing ManagedFile.State) {
            (version, updatedAt, serviceSeals) = (state.version, state.updatedAt, state.serviceSeals)
            (accountedBytes, figures) = (state.accountedBytes, state.figures)
            (isDeleted, canDrift) = (state.isDeleted, state.canDrift)
        }

        init(
            version: UInt64, updatedAt: Timestamp, seals: UInt64, accountedBytes: Int64, size: Int64,
            allocatedBytes: Int64, flags: UInt8
        ) {
            (self.version, self.updatedAt, self.accountedBytes) = (version, updatedAt, accountedBytes)
            serviceSeals = SealSet(rawValue: UInt32(truncatingIfNeeded: seals))
            figures = FileFigures(
                size: size, allocatedBytes: allocatedBytes, seals: SealSet(rawValue: UInt32(seals >> 32)))
            (isDeleted, canDrift) = (flags & 1 != 0, flags & 2 != 0)
        }

        /// The service seals in the low half, the kernel's in the high half.
        var seals: UInt64 { UInt64(figures.seals.rawValue) << 32 | UInt64(serviceSeals.rawValue) }
        /// isDeleted in bit 0, canDrift in bit 1.
        var flags: UInt8 { (isDeleted ? 1 : 0) | (canDrift ? 2 : 0) }
    }

    private let lock: RankedMutex<ManagedFile.State>
    /// Odd while a hold is publishing.
    private let sequence = Atomic<UInt64>(0)
    private let version: Atomic<UInt64>
    private let updatedAt: Atomic<Int64>
    private let seals: Atomic<UInt64>
    private let accountedBytes: Atomic<Int64>
    private let size: Atomic<Int64>
    private let allocatedBytes: Atomic<Int64>
    private let flags: Atomic<UInt8>

    init(_ state: consuming sending ManagedFile.State) {
        let published = Published(state)
        version = Atomic(published.version)
        updatedAt = Atomic(published.updatedAt.nanosecondsSinceEpoch)
        seals = Atomic(published.seals)
        accountedBytes = Atomic(published.accountedBytes)
        size = Atomic(published.figures.size)
        allocatedBytes = Atomic(published.figures.allocatedBytes)
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

    /// Runs `body` with the published state, taking no lock.
    borrowing func reading<Result, E: Error>(_ body: (Published) throws(E) -> Result) throws(E) -> Result {
        try body(published())
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
        seals.store(value.seals, ordering: .relaxed)
        accountedBytes.store(value.accountedBytes, ordering: .relaxed)
        size.store(value.figures.size, ordering: .relaxed)
        allocatedBytes.store(value.figures.allocatedBytes, ordering: .relaxed)
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
            seals: seals.load(ordering: .relaxed), accountedBytes: accountedBytes.load(ordering: .relaxed),
            size: size.load(ordering: .relaxed), allocatedBytes: allocatedBytes.load(ordering: .relaxed),
            flags: flags.load(ordering: .relaxed))
    }
}
