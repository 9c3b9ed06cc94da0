import Foundation
import GuestMem
import SystemPackage
import TestSupport
import Testing

@testable import Server

#if canImport(Glibc)
    import Glibc
#endif

/// STATE_DIR/files/journal.log as a restarted gmemd reads it: a line between two whole records
/// carries only the seq leases it renews, and every renewal counts, whichever line came last and
/// after the log is compacted; lines of format 1.0, whose `last_seqs` listed every consumer's
/// seq, still load.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FileJournalLogTests {
    let folder = FilePath(FileManager.default.temporaryDirectory.appending(path: "journal-\(UUID())").path)
    let file = FileID.random()
    let tenant = TenantID.random()
    let consumers = [ConsumerID.random(), ConsumerID.random()]

    private func record(version: UInt64, leases: [UInt64], renewing: [ConsumerID: UInt64] = [:]) -> FileRecord
    {
        let now = Timestamp.now()
        let attached = zip(consumers, leases).map { id, lease in
            ConsumerRecord(
                id: id, kind: .generic, label: nil, range: try! ByteRange(offset: 0, length: 4096),
                isOpenEnded: false, isExclusive: false, access: nil, descriptorsHandedOut: 0, attachedAt: now,
                seqLease: lease, pins: [], wasBound: false)
        }
        return FileRecord(
            id: file, tenant: tenant, name: "ram", flags: FileFlags(), seals: [], size: 4096,
            version: version,
            createdAt: now, updatedAt: now, inode: 7, isExported: false, consumers: attached,
            consumersRevision: 1,
            leaseRenewals: renewing, dirty: [])
    }

    private func journal() throws -> FileStateDirectory {
        try FileStateDirectory(stateDirectory: folder, notifier: ServiceNotifier(environment: [:]))
    }

    @Test func everyRenewedLeaseOutlivesTheLinesAfterItAndACompaction() throws {
        let first = try journal()
        try first.changed(record(version: 1, leases: [0, 0]))
        try first.changed(record(version: 2, leases: [1025, 0], renewing: [consumers[0]: 1025]))
        try first.changed(record(version: 3, leases: [1025, 1030], renewing: [consumers[1]: 1030]))
        try first.changed(record(version: 4, leases: [1025, 1030]))
        let lines = try String(contentsOfFile: folder.appending("files/journal.log").string, encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.dropFirst().allSatisfy { !$0.contains("\"consumers\"") })
        #expect(!lines[3].contains("seq_leases"))

        let loaded = try journal().load()
        #expect(loaded.unreadable.isEmpty)
        #expect(loaded.records.map(\.version) == [4])
        #expect(loaded.records.first?.consumers.map(\.seqLease) == [1025, 1030])
        // load() compacted the log to that record: read again, it is the same.
        #expect(try journal().load().records.first?.consumers.map(\.seqLease) == [1025, 1030])
    }

    /// A line written while versions were leased says the version a restart resumes at, one
    /// past the lease, and the restart takes its own time; a settled line (a clean stop) is exact.
    @Test func aLeasedVersionLoadsPastItsLeaseAndASettledOneExactly() throws {
        var leased = record(version: 5, leases: [0, 0])
        leased.versionLease = 1029
        let first = try journal()
        try first.changed(leased)
        let beforeLoad = Timestamp.now()

        let crashed = try #require(try journal().load().records.first)

        #expect((crashed.version, crashed.versionLease) == (1030, 1030))
        #expect(crashed.updatedAt >= beforeLoad)

        var settled = record(version: 7, leases: [0, 0])
        settled.versionLease = 7
        try journal().changed(settled)
        let stopped = try #require(try journal().load().records.first)
        #expect((stopped.version, stopped.updatedAt) == (7, settled.updatedAt))
    }

    /// A line without consumers after one that held the dirty log holds only the ranges added
    /// since; the log loads with every one of them merged into the whole, and again after the
    /// load compacted it. A line after a clear holds the log whole.
    @Test func aLineHoldsOnlyTheDirtyRangesAddedSinceTheLineBefore() throws {
        let pages = (0..<4).map { try! ByteRange(offset: Int64($0) * 8192, length: 4096) }
        let log = try journal()
        var line = record(version: 1, leases: [0, 0])
        line.dirty = [pages[0]]
        try log.changed(line)
        for version: UInt64 in 2...4 {
            (line.version, line.dirty) = (version, Array(pages[..<Int(version)]))
            line.dirtyAdded = [pages[Int(version) - 1]]
            try log.changed(line)
        }
        let lines = try String(contentsOfFile: folder.appending("files/journal.log").string, encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.dropFirst().allSatisfy { !$0.contains("\"dirty\"") && $0.contains("\"dirty_added\"") })

        let loaded = try #require(try journal().load().records.first)
        #expect((loaded.version, loaded.dirty) == (4, pages))
        #expect(try journal().load().records.first?.dirty == pages)

        (line.version, line.dirty, line.dirtyAdded) = (5, [], nil)
        try journal().changed(line)
        #expect(try journal().load().records.first?.dirty == [])
    }

    /// A clean stop rewrites the log whole, so that a gmemd that reads no `dirty_added` can take
    /// over from it.
    @Test func aRewriteAtTheStopLeavesNoLineHoldingOnlyAddedRanges() throws {
        let log = try journal()
        var line = record(version: 1, leases: [0, 0])
        try log.changed(line)
        (line.version, line.dirty, line.dirtyAdded) = (2, [try ByteRange(offset: 0, length: 4096)], [])
        line.dirtyAdded = line.dirty
        try log.changed(line)

        log.rewrite()

        let lines = try String(contentsOfFile: folder.appending("files/journal.log").string, encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.allSatisfy { $0.contains("\"dirty\":[{") && !$0.contains("dirty_added") })
    }

    /// Records far larger than the 512 bytes the trigger once assumed (dirty logs of 1,000
    /// ranges, about 35 KB a line, past a 64 KiB trigger): a compacted log is compacted again
    /// only once it has grown to four times what that compaction left, where it was compacted
    /// at every change.
    @Test func aLogOfLargeRecordsIsNotCompactedAtEveryChange() throws {
        let log = try FileStateDirectory(
            stateDirectory: folder, notifier: ServiceNotifier(environment: [:]), compactionBytes: 64 << 10)
        let dirty = (0..<1_000).map { try! ByteRange(offset: Int64($0) * 8192, length: 4096) }
        let files = (0..<4).map { _ in FileID.random() }
        var inodes: [UInt64] = []
        for version: UInt64 in 1...3 {
            for id in files {
                var large = record(version: version, leases: [0, 0])
                (large.id, large.dirty) = (id, dirty)
                try log.changed(large)
                var status = stat()
                #expect(stat(folder.appending("files/journal.log").string, &status) == 0)
                if inodes.last != UInt64(status.st_ino) { inodes.append(UInt64(status.st_ino)) }
            }
        }

        // The first log, the one the second line's compaction left (two records), and at most
        // one more, near the ninth line, four times past it; before, one for each line from the
        // second on.
        #expect((2...3).contains(inodes.count), "\(inodes.count) logs")
        #expect(try journal().load().records.count == 4)
    }

    @Test func aLogOfFormat1Point0WithLastSeqsStillLoads() throws {
        var whole = StoredFile(record(version: 1, leases: [3, 4]))
        whole.formatMinor = 0
        var update = StoredFile(record(version: 2, leases: [3, 4]), withConsumers: false)
        (update.formatMinor, update.lastSeqs) = (0, [9, 12])
        try FileManager.default.createDirectory(
            atPath: folder.appending("files").string, withIntermediateDirectories: true)
        let log =
            JSONWriter.encode(whole) + [UInt8(ascii: "\n")] + JSONWriter.encode(update) + [UInt8(ascii: "\n")]
        try Data(log).write(to: URL(filePath: folder.appending("files/journal.log").string))

        let loaded = try journal().load()

        #expect(loaded.unreadable.isEmpty)
        #expect(loaded.records.first?.version == 2)
        #expect(loaded.records.first?.consumers.map(\.seqLease) == [9, 12])
    }
}
