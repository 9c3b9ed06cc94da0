import Foundation
import GuestMem
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A journaled file's version lease (ManagedFile+VersionLease): a punch that changes nothing of
/// the record but the version writes no journal line, yet no version past what the journal holds
/// is ever shown, a restart from the last record goes on past every version shown, and a clean
/// stop's settling keeps the version exact.
@Suite(.timeLimit(.scaledMinutes(10)))
struct VersionLeaseTests {
    typealias RecordingJournal = FileJournalTests.RecordingJournal

    let journal = RecordingJournal()
    let tenant = TenantID.random()
    let page = try! ByteRange(offset: 0, length: 4096)

    private func store() throws -> MemoryStore { try journal.store(for: tenant) }

    @Test func punchesWriteALineOnlyWhenTheLeaseRunsOutAndShowNoVersionPastIt() throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        let created = journal.lines

        for _ in 0..<2_100 {
            let punched = try store.fallocate(file.id, of: tenant, mode: .punchHole, range: page)
            let lease = try #require(journal.record(file.id)?.versionLease)
            #expect(punched.version <= lease)
        }

        #expect(try store.file(file.id, of: tenant).version == 2_101)
        // One line per 1,024 punches, where every punch wrote one before.
        #expect(journal.lines - created == 2)
    }

    @Test func concurrentPunchesShowNoVersionPastTheJournaledLease() async throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { [journal, tenant, page] in
                    for _ in 0..<400 {
                        let punched = try store.fallocate(file.id, of: tenant, mode: .punchHole, range: page)
                        let lease = try #require(journal.record(file.id)?.versionLease)
                        #expect(punched.version <= lease)
                    }
                }
            }
            try await group.waitForAll()
        }

        #expect(try store.file(file.id, of: tenant).version == 3_201)
        #expect(journal.lines < 10)
    }

    /// A punch that revokes a pin changes the record: its line is written before it answers.
    @Test func aPunchThatRevokesAPinWritesItsLine() throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        let consumer = try store.attach(ConsumerRequest(kind: .vfio, length: 65536), to: file.id, of: tenant)
        _ = try store.pin(page, allocate: true, for: consumer.id, of: tenant)
        #expect(journal.record(file.id)?.consumers.first?.pins.count == 1)

        _ = try store.fallocate(file.id, of: tenant, mode: .punchHole, range: page)

        #expect(journal.record(file.id)?.consumers.first?.pins.isEmpty == true)
    }

    /// A write, a seal, a resize: every change of what the record holds is journaled still.
    @Test func changesOfTheRecordStillWriteTheirLines() throws {
        let store = try store()
        let file = try store.createFile(for: tenant, name: "ram", size: 1 << 20)
        _ = try store.fallocate(file.id, of: tenant, mode: .punchHole, range: page)

        _ = try store.write(file.id, of: tenant, offset: 0, bytes: [1])
        #expect(journal.record(file.id)?.dirty == [page])
        _ = try store.resize(file.id, of: tenant, to: 2 << 20)
        #expect(journal.record(file.id)?.size == 2 << 20)
        _ = try store.addSeals([.grow], to: file.id, of: tenant)
        #expect(journal.record(file.id)?.seals == [.grow])
        #expect(journal.record(file.id)?.version == 5)
    }

    /// After a crash (the last record as it was), the file goes on past every version shown, so
    /// an If-Match with any tag handed out before is 412; its update time is the restart's.
    @Test func aRestoreFromTheLastRecordGoesOnPastEveryVersionShown() throws {
        let first = try store()
        let file = try first.createFile(for: tenant, name: "ram", size: 1 << 20)
        var shown: [UInt64] = [file.version]
        for _ in 0..<5 {
            shown.append(try first.fallocate(file.id, of: tenant, mode: .punchHole, range: page).version)
        }
        let record = try #require(journal.record(file.id))
        #expect(record.version == 1)

        let (second, restored) = try restore(record)

        #expect(restored.version > shown.max()!)
        #expect(restored.updatedAt >= (try first.file(file.id, of: tenant)).updatedAt)
        for version in shown {
            #expect(throws: GuestMemError.self) {
                try second.fallocate(file.id, of: tenant, mode: .punchHole, range: page, expecting: [version])
            }
        }
        let next = try second.fallocate(
            file.id, of: tenant, mode: .punchHole, range: page, expecting: [restored.version])
        #expect(next.version == restored.version + 1)
    }

    /// A clean stop settles the lease: the restart goes on from exactly the version and update
    /// time the file had.
    @Test func aSettledLeaseKeepsTheVersionExact() throws {
        let first = try store()
        let file = try first.createFile(for: tenant, name: "ram", size: 1 << 20)
        for _ in 0..<5 { _ = try first.fallocate(file.id, of: tenant, mode: .punchHole, range: page) }
        let last = try first.file(file.id, of: tenant)

        first.settleLeases()
        let record = try #require(journal.record(file.id))
        let (_, restored) = try restore(record)

        #expect((record.version, record.versionLease) == (6, 6))
        #expect((restored.version, restored.updatedAt) == (last.version, last.updatedAt))
    }

    /// `record` taken back by a second, journaled store, with a copy of the kept descriptor.
    private func restore(_ record: FileRecord) throws -> (MemoryStore, FileSnapshot) {
        let descriptor = try #require(journal.descriptor(record.id))
        let second = MemoryStore(journal: RecordingJournal())
        try second.addTenant(tenant, limits: Fixture.roomy)
        let restored = try second.restore(
            record, descriptor: FileDescriptor(rawValue: fcntl(descriptor, F_DUPFD_CLOEXEC, 0)))
        return (second, restored)
    }
}
