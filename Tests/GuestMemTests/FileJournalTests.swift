import GuestMem
import Synchronization
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The file journal: what a store writes before each change answers, and taking a file back
/// from its record and its memfd, as a restarted gmemd does.
@Suite(.timeLimit(.minutes(2)))
struct FileJournalTests {
    /// A journal that keeps what it was given: each file's latest record, and a dup of every
    /// memfd kept (what a service manager's fd store would hold).
    final class RecordingJournal: FileJournal {
        let state = Mutex<(records: [FileID: FileRecord], descriptors: [FileID: Int32], removed: [FileID])>(
            ([:], [:], []))

        func kept(_ record: FileRecord, descriptor: FileDescriptor) throws(GuestMemError) {
            let copy = fcntl(descriptor.rawValue, F_DUPFD_CLOEXEC, 0)
            state.withLock {
                $0.records[record.id] = record
                $0.descriptors[record.id] = copy
            }
        }

        func changed(_ record: FileRecord) throws(GuestMemError) {
            state.withLock { $0.records[record.id] = record }
        }

        func removed(_ id: FileID) {
            state.withLock {
                $0.records[id] = nil
                if let fd = $0.descriptors.removeValue(forKey: id) { close(fd) }
                $0.removed.append(id)
            }
        }

        func record(_ id: FileID) -> FileRecord? { state.withLock { $0.records[id] } }
        func descriptor(_ id: FileID) -> Int32? { state.withLock { $0.descriptors[id] } }
    }

    let journal = RecordingJournal()
    let tenant = TenantID.random()

    private func store() throws -> MemoryStore {
        let store = MemoryStore(journal: journal)
        try store.addTenant(tenant, limits: Fixture.roomy)
        return store
    }

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

        let second = MemoryStore()
        try second.addTenant(tenant, limits: Fixture.roomy)
        let restored = try second.restore(
            record, descriptor: FileDescriptor(rawValue: fcntl(descriptor, F_DUPFD_CLOEXEC, 0)))

        #expect(restored == (try first.file(file.id, of: tenant)))
        #expect(try second.read(file.id, of: tenant, range: ByteRange(offset: 8192, length: 3)) == [7, 7, 7])
        #expect(try second.consumer(consumer.id, of: tenant).lastSeq == lastSeq)
        #expect(try second.pins(of: consumer.id, of: tenant) == [pin])
        #expect(try second.usage(of: tenant) == usage)
        let behind = try #require(try await second.events(of: consumer.id, of: tenant, after: 0).events.first)
        #expect(behind.kind == .overflow(lost: 1...lastSeq))
        _ = try second.fallocate(
            file.id, of: tenant, mode: .punchHole, range: try ByteRange(offset: 0, length: 4096))
        #expect(try second.consumer(consumer.id, of: tenant).lastSeq == lastSeq + 1)
        #expect(throws: GuestMemError.gone("pin \(pin.id) was revoked by a punch, shrink or delete")) {
            try second.unpin(pin.id, of: consumer.id, of: tenant)
        }
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
