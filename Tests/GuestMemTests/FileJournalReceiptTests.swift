import GuestMem
import Locking
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Idempotency receipts in the file journal: a create with a receipt writes it in the record that
/// first shows the new file, consumer or pin, and in no later one; a receipt counts while its
/// object exists, in the store and in a journaled record.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FileJournalReceiptTests {
    /// A journal that keeps every record it was given, in order.
    final class Lines: FileJournal {
        let records = PthreadMutex<[FileRecord]>([])

        func kept(_ record: FileRecord, descriptor: FileDescriptor) throws(GuestMemError) {
            records.withLock { $0.append(record) }
        }

        func changed(_ record: FileRecord) throws(GuestMemError) { records.withLock { $0.append(record) } }

        func removed(_ id: FileID) {}

        /// Every record that carried a receipt, with it.
        var receipted: [FileRecord] { records.withLock { $0.filter { !$0.receipts.isEmpty } } }
        var count: Int { records.withLock { $0.count } }
    }

    let journal = Lines()
    let tenant = TenantID.random()

    private func store() throws -> MemoryStore {
        let store = MemoryStore(journal: journal)
        try store.addTenant(tenant, limits: Fixture.roomy)
        return store
    }

    /// A file of `store` with a consumer holding one pin, made without receipts.
    private func pinnedFile(in store: MemoryStore) throws -> (FileSnapshot, ConsumerSnapshot, PinSnapshot) {
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        let consumer = try store.attach(ConsumerRequest(kind: .vfio, length: 65536), to: file.id, of: tenant)
        let pin = try store.pin(
            try ByteRange(offset: 0, length: 4096), allocate: true, for: consumer.id, of: tenant)
        return (file, consumer, pin)
    }

    private static func receipt(_ key: String) -> CreationReceipt {
        CreationReceipt(
            key: key, fingerprint: "f-\(key)", answer: Array(key.utf8),
            createdAt: Timestamp(nanosecondsSinceEpoch: 1_796_543_795_000_000_000))
    }

    @Test func eachCreateWritesItsReceiptInTheRecordThatFirstShowsItsObject() throws {
        let store = try store()
        let file = try store.createFile(
            for: tenant, name: "ram", size: 1 << 20, receipt: { _ in Self.receipt("file") })
        let consumer = try store.attach(
            ConsumerRequest(kind: .vfio, length: 65536), to: file.id, of: tenant,
            receipt: { _ in Self.receipt("consumer") })
        let pin = try store.pin(
            try ByteRange(offset: 0, length: 4096), allocate: true, for: consumer.id, of: tenant,
            receipt: { _ in Self.receipt("pin") })
        // The receipt is made of the consumer as answered: with its first descriptor handed out.
        let (process, fd) = try store.attachProcess(
            ConsumerRequest(kind: .process), to: file.id, of: tenant,
            receipt: { $0.descriptorsHandedOut == 1 ? Self.receipt("process") : nil })
        try? fd.close()
        let before = journal.count
        _ = try store.write(file.id, of: tenant, offset: 0, bytes: [1])

        let receipted = journal.receipted
        #expect(
            receipted.map(\.receipts) == [
                [ObjectReceipt(.file(file.id), Self.receipt("file"))],
                [ObjectReceipt(.consumer(consumer.id), Self.receipt("consumer"))],
                [ObjectReceipt(.pin(pin.id, of: consumer.id), Self.receipt("pin"))],
                [ObjectReceipt(.consumer(process.id), Self.receipt("process"))],
            ])
        #expect(receipted.allSatisfy { record in record.receipts.allSatisfy { record.holds($0.object) } })
        let processRecord = try #require(receipted.last?.consumers.first { $0.id == process.id })
        #expect(processRecord.descriptorsHandedOut == 1)
        #expect(journal.count == before + 1)
        #expect(journal.records.withLock { $0.last?.receipts.isEmpty } == true)
    }

    @Test func aCreateWithoutAReceiptJournalsAsBefore() throws {
        let store = try store()
        _ = try pinnedFile(in: store)

        #expect(journal.receipted.isEmpty)
        #expect(journal.records.withLock { $0.last?.consumers.first?.pins.count } == 1)
    }

    @Test func theStoreHoldsAnObjectUntilItIsUnpinnedDetachedOrDeleted() throws {
        let store = try store()
        let (file, consumer, pin) = try pinnedFile(in: store)
        let objects: [CreatedObject] = [
            .file(file.id), .consumer(consumer.id), .pin(pin.id, of: consumer.id),
        ]
        let other = TenantID.random()
        try store.addTenant(other, limits: Fixture.roomy)

        #expect(objects.allSatisfy { store.holds($0, of: tenant) })
        #expect(!objects.contains { store.holds($0, of: other) })
        #expect(!store.holds(.vm(.random()), of: tenant))

        try store.unpin(pin.id, of: consumer.id, of: tenant)
        #expect(!store.holds(.pin(pin.id, of: consumer.id), of: tenant))
        try store.detach(consumer.id, of: tenant)
        #expect(!store.holds(.consumer(consumer.id), of: tenant))
        try store.deleteFile(file.id, of: tenant)
        #expect(!store.holds(.file(file.id), of: tenant))
    }

    @Test func aRecordHoldsItsFileItsConsumersNotBoundInAVMAndTheirPins() throws {
        let store = try store()
        let (file, consumer, pin) = try pinnedFile(in: store)
        var record = try #require(journal.records.withLock { $0.last })

        #expect(record.holds(.file(file.id)))
        #expect(record.holds(.consumer(consumer.id)))
        #expect(record.holds(.pin(pin.id, of: consumer.id)))
        #expect(!record.holds(.file(.random())))
        #expect(!record.holds(.pin(.random(), of: consumer.id)))
        record.consumers[0].wasBound = true
        #expect(!record.holds(.consumer(consumer.id)))
        #expect(!record.holds(.pin(pin.id, of: consumer.id)))
    }
}
