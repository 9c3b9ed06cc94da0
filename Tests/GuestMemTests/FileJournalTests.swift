import GuestMem
import Locking
import Synchronization
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The file journal: what a store writes before each change answers, and taking a file back
/// from its record and its memfd, as a restarted gmemd does.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FileJournalTests {
    /// A journal that keeps what it was given: each file's latest record, and a dup of every
    /// memfd kept (what a service manager's fd store would hold).
    final class RecordingJournal: FileJournal {
        let state = PthreadMutex<
            (records: [FileID: FileRecord], descriptors: [FileID: Int32], removed: [FileID], lines: Int)
        >(
            ([:], [:], [], 0))
        /// While set, every change's line fails, as a full disk would fail it.
        let refuses = Atomic<Bool>(false)

        func kept(_ record: FileRecord, descriptor: FileDescriptor) throws(GuestMemError) {
            let copy = fcntl(descriptor.rawValue, F_DUPFD_CLOEXEC, 0)
            state.withLock {
                $0.records[record.id] = record
                $0.descriptors[record.id] = copy
                $0.lines += 1
            }
        }

        func changed(_ record: FileRecord) throws(GuestMemError) {
            if refuses.load(ordering: .relaxed) { throw .unsaved("the test's journal refuses") }
            state.withLock {
                $0.records[record.id] = record
                $0.lines += 1
            }
        }

        func removed(_ id: FileID) {
            state.withLock {
                $0.records[id] = nil
                if let fd = $0.descriptors.removeValue(forKey: id) { close(fd) }
                $0.removed.append(id)
            }
        }

        func record(_ id: FileID) -> FileRecord? { state.withLock { $0.records[id] } }
        /// A store that journals here, serving `tenant`.
        func store(for tenant: TenantID) throws -> MemoryStore {
            let store = MemoryStore(journal: self)
            try store.addTenant(tenant, limits: Fixture.roomy)
            return store
        }

        /// Records written so far, of every file.
        var lines: Int { state.withLock { $0.lines } }
        func descriptor(_ id: FileID) -> Int32? { state.withLock { $0.descriptors[id] } }
    }

    let journal = RecordingJournal()
    let tenant = TenantID.random()

    private func store() throws -> MemoryStore { try journal.store(for: tenant) }

    @Test func everyChangeIsJournaledBeforeItAnswers() throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        #expect(journal.record(file.id)?.version == 1)
        #expect(journal.descriptor(file.id) != nil)

        _ = try store.write(file.id, of: tenant, offset: 0, bytes: [1, 2, 3])
        #expect(journal.record(file.id)?.version == 2)
        let consumer = try store.attach(ConsumerRequest(kind: .vfio, length: 65536), to: file.id, of: tenant)
        #expect(journal.record(file.id)?.consumers.map(\.id) == [consumer.id])
        let pin = try store.pin(
            try ByteRange(offset: 0, length: 4096), allocate: true, for: consumer.id, of: tenant)
        #expect(journal.record(file.id)?.consumers.first?.pins.map(\.id) == [pin.id])
        _ = try store.addSeals([.grow, .noNewConsumers], to: file.id, of: tenant)
        #expect(journal.record(file.id)?.seals == [.grow, .noNewConsumers])

        try store.deleteFile(file.id, of: tenant)
        #expect(journal.record(file.id) == nil)
        #expect(journal.state.withLock { $0.removed } == [file.id])
    }

    /// A write's record names the pages it added to the dirty log, beside the whole log; a
    /// clear's, and a coarsening's, name none: the journal then writes the log whole.
    @Test func aWritesRecordNamesThePagesItAddedToTheDirtyLog() throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        #expect(journal.record(file.id)?.dirtyAdded == nil)

        _ = try store.write(file.id, of: tenant, offset: 8192, bytes: [1])
        #expect(journal.record(file.id)?.dirtyAdded == [try ByteRange(offset: 8192, length: 4096)])
        _ = try store.write(file.id, of: tenant, offset: 0, bytes: [1])
        #expect(journal.record(file.id)?.dirtyAdded == [try ByteRange(offset: 0, length: 4096)])
        #expect(
            journal.record(file.id)?.dirty == [
                try ByteRange(offset: 0, length: 4096), try ByteRange(offset: 8192, length: 4096),
            ])

        _ = try store.dirtyLog(of: file.id, of: tenant, clear: true)
        #expect(journal.record(file.id)?.dirtyAdded == nil)
        #expect(journal.record(file.id)?.dirty == [])
        _ = try store.write(file.id, of: tenant, offset: 0, bytes: [1])
        #expect(journal.record(file.id)?.dirtyAdded == [try ByteRange(offset: 0, length: 4096)])
    }

    @Test func aRefusedChangeWritesNoNewerRecord() throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 4096)
        _ = try store.addSeals([.write], to: file.id, of: tenant)
        let before = journal.record(file.id)
        #expect(throws: GuestMemError.self) { try store.write(file.id, of: tenant, offset: 0, bytes: [1]) }
        #expect(journal.record(file.id) == before)
    }

    @Test func aRestoredFileIsTheSameFileWithItsConsumersPinsSequenceAndUsage() async throws {
        let first = try store()
        let file = try first.createFile(for: tenant, name: "ram", size: 1 << 20)
        _ = try first.write(file.id, of: tenant, offset: 8192, bytes: [7, 7, 7])
        let consumer = try first.attach(
            ConsumerRequest(kind: .rdma, label: "nic", length: 65536, isExclusive: true), to: file.id,
            of: tenant)
        let pin = try first.pin(
            try ByteRange(offset: 0, length: 8192), allocate: true, for: consumer.id, of: tenant)
        _ = try first.fallocate(
            file.id, of: tenant, mode: .punchHole, range: try ByteRange(offset: 32768, length: 4096))
        let lastSeq = try first.consumer(consumer.id, of: tenant).lastSeq
        let usage = try first.usage(of: tenant)
        let record = try #require(journal.record(file.id))
        let descriptor = try #require(journal.descriptor(file.id))
        let lease = try #require(record.consumers.first?.seqLease)

        let second = MemoryStore()
        try second.addTenant(tenant, limits: Fixture.roomy)
        let restored = try second.restore(
            record, descriptor: FileDescriptor(rawValue: fcntl(descriptor, F_DUPFD_CLOEXEC, 0)))

        // Restored from the last record, as after a crash: past every version the first store
        // could have shown (ManagedFile+VersionLease), at the restart's time; all else as it was.
        let last = try first.file(file.id, of: tenant)
        #expect(record.versionLease >= last.version)
        #expect(restored.version == record.versionLease + 1)
        #expect(restored.updatedAt >= last.updatedAt)
        #expect(restored.id == last.id && restored.name == last.name && restored.backend == last.backend)
        #expect(restored.size == last.size && restored.allocatedBytes == last.allocatedBytes)
        #expect(restored.seals == last.seals && restored.flags == last.flags)
        #expect(restored.createdAt == last.createdAt && restored.vm == last.vm)
        #expect(try second.read(file.id, of: tenant, range: ByteRange(offset: 8192, length: 3)) == [7, 7, 7])
        #expect(lastSeq == 2)
        #expect(lease == 1 + MemoryStore.seqLeaseAhead)
        #expect(try second.consumer(consumer.id, of: tenant).lastSeq == lease)
        #expect(try second.pins(of: consumer.id, of: tenant) == [pin])
        #expect(try second.usage(of: tenant) == usage)
        let behind = try #require(try await second.events(of: consumer.id, of: tenant, after: 0).events.first)
        #expect(behind.kind == .overflow(lost: 1...lease))
        _ = try second.fallocate(
            file.id, of: tenant, mode: .punchHole, range: try ByteRange(offset: 0, length: 4096))
        #expect(try second.consumer(consumer.id, of: tenant).lastSeq == lease + 1)
        #expect(throws: GuestMemError.gone("pin \(pin.id) was revoked by a punch, shrink or delete")) {
            try second.unpin(pin.id, of: consumer.id, of: tenant)
        }
    }

    /// Readers see a consumer's events only up to a seq lease the journal holds: the first event
    /// past it waits, unseen, for the file's next line, which renews the lease. So a crash before
    /// that line cannot make a restarted gmemd give a seq a reader saw to another event.
    @Test func anEventPastTheJournaledLeaseIsShownOnlyOnceALineRenewsIt() async throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        let consumer = try store.attach(ConsumerRequest(kind: .generic), to: file.id, of: tenant)
        #expect(journal.record(file.id)?.consumers.first?.seqLease == 0)

        journal.refuses.store(true, ordering: .relaxed)
        let punch = try ByteRange(offset: 0, length: 4096)
        #expect(throws: GuestMemError.self) {
            try store.fallocate(file.id, of: tenant, mode: .punchHole, range: punch)
        }
        #expect(try await store.events(of: consumer.id, of: tenant, after: 0).events.isEmpty)
        #expect(try store.consumer(consumer.id, of: tenant).lastSeq == 0)
        #expect(throws: GuestMemError.self) { try store.eventsNow(of: consumer.id, of: tenant, after: 1) }

        journal.refuses.store(false, ordering: .relaxed)
        _ = try store.fallocate(file.id, of: tenant, mode: .punchHole, range: punch)
        let seen = try await store.events(of: consumer.id, of: tenant, after: 0).events.map(\.seq)
        #expect(seen == [1, 2])
        #expect(journal.record(file.id)?.consumers.first?.seqLease == 2 + MemoryStore.seqLeaseAhead)
    }

    /// After a crash a consumer goes on after its journaled lease, past every seq a reader can
    /// have seen, and a reader behind is told by one overflow which seqs it may have lost.
    @Test func aRestoredConsumerGoesOnAfterItsLeaseAndAReaderBehindIsToldOfTheGap() async throws {
        let (second, consumer, _) = try restoredAfterThreePunches(settling: false)

        let lease = 1 + MemoryStore.seqLeaseAhead
        #expect(try second.consumer(consumer, of: tenant).lastSeq == lease)
        let behind = try await second.events(of: consumer, of: tenant, after: 3).events
        #expect(behind.map(\.seq) == [lease])
        #expect(behind.map(\.kind) == [.overflow(lost: 4...lease)])
        try punch(second, consumer)
        #expect(
            try await second.events(of: consumer, of: tenant, after: lease).events.map(\.seq) == [lease + 1])
    }

    /// A clean stop brings every lease down to its consumer's newest seq: the restarted gmemd
    /// goes on from exactly there, and a reader that had everything is told of no gap.
    @Test func aSettledLeaseLetsARestartGoOnFromTheNewestSeq() async throws {
        let (second, consumer, record) = try restoredAfterThreePunches(settling: true)

        #expect(record.consumers.first?.seqLease == 3)
        #expect(try await second.events(of: consumer, of: tenant, after: 3).events.isEmpty)
        try punch(second, consumer)
        #expect(try await second.events(of: consumer, of: tenant, after: 3).events.map(\.seq) == [4])
    }

    /// A store whose file's one consumer heard three punches (seqs 1–3), its journal's record of
    /// that file (after a clean stop's settling, or as a crash leaves it), and a second store,
    /// journaled, that took the file back from that record.
    private func restoredAfterThreePunches(settling: Bool) throws -> (MemoryStore, ConsumerID, FileRecord) {
        let first = try store()
        let file = try first.createFile(for: tenant, name: "ram", size: 1 << 20)
        let consumer = try first.attach(ConsumerRequest(kind: .generic), to: file.id, of: tenant)
        for _ in 0..<3 { try punch(first, consumer.id) }
        if settling { first.settleLeases() }
        let record = try #require(journal.record(file.id))
        let descriptor = try #require(journal.descriptor(file.id))

        let second = MemoryStore(journal: RecordingJournal())
        try second.addTenant(tenant, limits: Fixture.roomy)
        _ = try second.restore(
            record, descriptor: FileDescriptor(rawValue: fcntl(descriptor, F_DUPFD_CLOEXEC, 0)))
        return (second, consumer.id, record)
    }

    /// Punches the first page of the file `consumer` is attached to: one event for it.
    private func punch(_ store: MemoryStore, _ consumer: ConsumerID) throws {
        let file = try store.consumer(consumer, of: tenant).fileID
        _ = try store.fallocate(
            file, of: tenant, mode: .punchHole, range: try ByteRange(offset: 0, length: 4096))
    }

    /// A file's delete records its consumers' last events past their leases; once its removal is
    /// written no restart can bring those consumers back, and their readers see the events.
    @Test func aDeletedFilesConsumerShowsItsLastEventsPastItsLease() async throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        let consumer = try store.attach(ConsumerRequest(kind: .generic), to: file.id, of: tenant)

        try store.deleteFile(file.id, of: tenant)

        let batch = try await store.events(of: consumer.id, of: tenant, after: 0)
        #expect(batch.isDetached)
        #expect(batch.events.last?.kind == .detached(.delete))
    }

    /// A guest_memfd cannot outlive its VM's process, so no descriptor of it is kept; but its
    /// record is written when it is made (naming its VM), so that the next start reports it lost,
    /// and goes when it is deleted.
    @Test(.needsGuestMemfd)
    func aGuestMemfdIsJournaledWhenMadeWithoutItsDescriptorAndForgottenWithIt() throws {
        let store = try store()
        let vm = try store.createVM(for: tenant)
        let file = try store.createGuestMemfdFile(
            for: tenant, name: "gmem0", size: 1 << 20, vm: vm.id, flags: .none)

        #expect(journal.record(file.id)?.vm == vm.id)
        #expect(journal.descriptor(file.id) == nil)
        try store.deleteFile(file.id, of: tenant)
        #expect(journal.record(file.id) == nil)
    }

    /// A dirty log that coarsened past its cap comes back coarse, at its granularity: a restart
    /// never makes it claim to be exact.
    @Test func aCoarseDirtyLogIsRestoredCoarseAndCoveringTheSamePages() throws {
        let first = try store()
        let file = try first.createFile(for: tenant, name: "ram", size: 10_000 * 4096)
        for page in stride(from: Int64(0), to: 10_000, by: 2) {
            _ = try first.write(file.id, of: tenant, offset: page * 4096, bytes: [1])
        }
        let before = try first.dirtyLog(of: file.id, of: tenant, clear: false)
        let record = try #require(journal.record(file.id))
        let descriptor = try #require(journal.descriptor(file.id))

        let second = MemoryStore()
        try second.addTenant(tenant, limits: Fixture.roomy)
        _ = try second.restore(
            record, descriptor: FileDescriptor(rawValue: fcntl(descriptor, F_DUPFD_CLOEXEC, 0)))

        #expect(!before.isExact)
        #expect(try second.dirtyLog(of: file.id, of: tenant, clear: false) == before)
    }

    @Test func aDescriptorOfAnotherFileIsRefusedAndNothingIsServed() throws {
        let first = try store()
        let file = try first.createFile(for: tenant, name: "ram", size: 4096)
        let other = try first.createFile(for: tenant, name: "other", size: 4096)
        let record = try #require(journal.record(file.id))
        let wrong = try #require(journal.descriptor(other.id))

        let second = MemoryStore()
        try second.addTenant(tenant, limits: Fixture.roomy)
        let error = #expect(throws: GuestMemError.self) {
            try second.restore(record, descriptor: FileDescriptor(rawValue: fcntl(wrong, F_DUPFD_CLOEXEC, 0)))
        }
        #expect(error?.errno == .invalidArgument)
        #expect(try second.files(of: tenant, limit: 10).items.isEmpty)
        #expect(try second.usage(of: tenant).files == 0)
    }
}
