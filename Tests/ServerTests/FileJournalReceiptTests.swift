import Foundation
import GuestMem
import HTTP
import SystemPackage
import TestSupport
import Testing

@testable import Server

/// The file journal's idempotency receipts across a restart (a new FileStateDirectory loading
/// the log another wrote): each comes back with its file while its object is in the record and
/// its key counts, also after the log is compacted; a deleted object's goes with it.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FileJournalReceiptTests {
    let tenant = TenantID.random()
    let file = FileID.random()
    let consumer = ConsumerID.random()
    let pin = PinID.random()
    let directory = FileManager.default.temporaryDirectory.appending(path: "gmemd-journal-\(UUID())")

    private func journal() throws -> FileStateDirectory {
        try FileStateDirectory(
            stateDirectory: FilePath(directory.path), notifier: ServiceNotifier(environment: [:]))
    }

    /// A receipt whose answer is a 201 naming `key`, made `age` ago.
    private static func receipt(_ key: String, age: Duration = .seconds(1)) -> CreationReceipt {
        let answer = StoredAnswer(
            Response(
                status: .created, contentType: "application/json", bytes: Array("{\"id\":\"\(key)\"}".utf8)))!
        let now = Timestamp.now().nanosecondsSinceEpoch
        return CreationReceipt(
            key: key, fingerprint: "sha-\(key)", answer: answer.bytes,
            createdAt: Timestamp(nanosecondsSinceEpoch: now - age.components.seconds * 1_000_000_000))
    }

    /// The file's record with `consumers`; `revision` moves on whenever they or their pins change,
    /// as ConsumerTable's does, so that the journal writes them.
    private func record(consumers: [ConsumerRecord], revision: UInt64, receipts: [ObjectReceipt] = [])
        -> FileRecord
    {
        var record = FileRecord(
            id: file, tenant: tenant, name: "ram", flags: FileFlags(), seals: [], size: 1 << 20, version: 1,
            createdAt: .now(), updatedAt: .now(), inode: 42, isExported: false, consumers: consumers,
            consumersRevision: revision, dirty: [])
        record.receipts = receipts
        return record
    }

    private func consumerRecord(pinned: Bool) throws -> ConsumerRecord {
        let range = try ByteRange(offset: 0, length: 4096)
        let pins =
            pinned
            ? [
                PinSnapshot(
                    id: pin, consumerID: consumer, range: range, extents: [PinExtent(range: range, order: 0)],
                    state: .live, createdAt: .now())
            ] : []
        return ConsumerRecord(
            id: consumer, kind: .vfio, label: nil, range: range, isOpenEnded: false, isExclusive: false,
            access: nil, descriptorsHandedOut: 0, attachedAt: .now(), seqLease: 0, pins: pins, wasBound: false
        )
    }

    @Test func receiptsOfLiveObjectsComeBackAfterARestartAndACompaction() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let written = try journal()
        let made = [
            ObjectReceipt(.file(file), Self.receipt("file")),
            ObjectReceipt(.consumer(consumer), Self.receipt("consumer")),
            ObjectReceipt(.pin(pin, of: consumer), Self.receipt("pin")),
        ]
        try written.changed(record(consumers: [], revision: 0, receipts: [made[0]]))
        try written.changed(
            record(consumers: [try consumerRecord(pinned: false)], revision: 1, receipts: [made[1]]))
        try written.changed(
            record(consumers: [try consumerRecord(pinned: true)], revision: 2, receipts: [made[2]]))
        try written.changed(record(consumers: [try consumerRecord(pinned: true)], revision: 2))

        let restarted = try journal().load()
        let again = try journal().load()

        #expect(restarted.unreadable.isEmpty)
        #expect(Set(try #require(restarted.records.first).receipts) == Set(made))
        #expect(Set(try #require(again.records.first).receipts) == Set(made))
    }

    @Test func aReceiptGoesWithItsObjectAndWhenItsKeyNoLongerCounts() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let written = try journal()
        let old = ObjectReceipt(
            .file(file), Self.receipt("file", age: IdempotencyKeys.lifetime + .seconds(5)))
        try written.changed(record(consumers: [], revision: 0, receipts: [old]))
        try written.changed(
            record(
                consumers: [try consumerRecord(pinned: true)], revision: 1,
                receipts: [
                    ObjectReceipt(.consumer(consumer), Self.receipt("consumer")),
                    ObjectReceipt(.pin(pin, of: consumer), Self.receipt("pin")),
                ]))
        // Unpinned, then detached.
        try written.changed(record(consumers: [try consumerRecord(pinned: false)], revision: 2))
        try written.changed(record(consumers: [], revision: 3))

        let restarted = try journal().load()

        #expect(try #require(restarted.records.first).receipts.isEmpty)
    }

    @Test func aDeletedFilesReceiptsGoWithIt() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let written = try journal()
        try written.changed(
            record(consumers: [], revision: 0, receipts: [ObjectReceipt(.file(file), Self.receipt("file"))]))
        written.removed(file)

        #expect(try journal().load().records.isEmpty)
    }
}
