import FoundationEssentials
import GuestMem
import Locking
import Posix
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// STATE_DIR/files: the memory store's file journal. `journal.log` is append-only: one JSON line
/// per change, a file's whole record (StoredFile) or its removal (StoredRemoval), appended before
/// the change's domain call returns and flushed (fdatasync, by `flusher`, many lines at a time)
/// before its request answers; the last line about a file is what it is. A line cut short by a crash was never acknowledged and is ignored. When the
/// log has grown to several times what its live records take, they are written to a new log,
/// flushed, and renamed over it (the directory flushed too), so a crash at any point leaves one
/// whole log. Appending to one file and flushing it costs about 1 ms here, where replacing a file
/// per change cost 12 ms (a new inode for each rename to commit).
///
/// Under a service manager a new file's memfd goes to its fd store first (`FDSTORE=1`,
/// `FDNAME=<id>`), and a deleted one's leaves it after its removal is logged (`FDSTOREREMOVE=1`):
/// a crash between the two leaves a stored descriptor that no record names, which the next start
/// closes, never a record without memory. Records of files that could not be taken back at a
/// start go to `files/lost/<id>.json`, with `<id>.reason` beside them.
///
/// The line of a create sent with an Idempotency-Key carries its receipt (StoredFile.receipts),
/// so no line shows the new object without it. The log keeps each receipt while its object is in
/// the file's record and its key counts, and gives them back with the records at a start.
///
/// Locking: `log` orders the appends of every file and is held across one write and its flush.
final class FileStateDirectory: FileJournal {
    /// The log is compacted once it is past this and past `compactionFactor` times what the
    /// last compaction left (the live records then): each compaction then follows at least
    /// three times its own size of appended lines, however large the records are. (Measured
    /// against an estimate of 512 bytes a record, a log of larger records stayed past the
    /// trigger after it was compacted, and was compacted again at every change.)
    static let compactionFactor = 4
    /// 4 MiB in gmemd; a test's log compacts sooner.
    let compactionBytes: Int

    let directory: FilePath
    let notifier: ServiceNotifier
    /// Flushes what is appended; answers of changes wait for it (Routes.durably).
    let flusher: JournalFlusher
    private let log: PthreadMutex<Appender>

    private struct Appender {
        var fd: Int32
        var bytes: Int
        /// What the last compaction wrote (0 before the first).
        var compactedBytes = 0
        /// Each live file's last whole line and the line since (without consumers or leases) that
        /// updates it, merged only to compact; and the consumers' revision last written.
        var live: [FileID: (whole: StoredFile, update: StoredFile?, revision: UInt64)] = [:]
        /// Each live file's idempotency receipts, from the lines that brought them: a compaction
        /// writes those whose object is still in the record and whose key still counts.
        var receipts: [FileID: [StoredReceipt]] = [:]
    }

    init(stateDirectory: FilePath, notifier: ServiceNotifier, compactionBytes: Int = 4 << 20) throws {
        directory = stateDirectory.appending("files")
        self.compactionBytes = compactionBytes
        self.notifier = notifier
        try FileManager.default.createDirectory(
            atPath: directory.appending("lost").string, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let path = directory.appending("journal.log")
        let fd = open(path.string, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        var status = stat()
        fstat(fd, &status)
        log = PthreadMutex(Appender(fd: fd, bytes: Int(status.st_size)))
        flusher = JournalFlusher(descriptor: dup(fd))
    }

    deinit { log.withLock { _ = close($0.fd) } }

    func kept(_ record: FileRecord, descriptor: FileDescriptor) throws(GuestMemError) {
        if notifier.isSupervised {
            do {
                try notifier.store(descriptor.rawValue, name: record.id.rawValue)
            } catch {
                throw .unsaved("the service manager did not take file \(record.id)'s memfd (\(error.symbol))")
            }
        }
        do {
            try changed(record)
        } catch {
            notifier.removeStored(name: record.id.rawValue)
            throw error
        }
    }

    func changed(_ record: FileRecord) throws(GuestMemError) {
        do {
            try log.withLock { (log) throws(Errno) in
                let previous = log.live[record.id]
                let isWhole = previous == nil || previous?.revision != record.consumersRevision
                let line = StoredFile(record, withConsumers: isWhole)
                try append(JSONWriter.encode(line), &log)
                if let made = line.receipts { log.receipts[record.id, default: []] += made }
                log.live[record.id] =
                    if isWhole {
                        (line, nil, record.consumersRevision)
                    } else if let (whole, update, _) = previous, line.seqLeases != nil {
                        // Renewals accumulate, where a later line's other fields replace an earlier's:
                        // folded into the whole line now (once per `MemoryStore.seqLeaseAhead` events).
                        (
                            (update.map { whole.updated(by: $0) } ?? whole).updated(by: line), nil,
                            record.consumersRevision
                        )
                    } else if let (whole, update, _) = previous {
                        // A later line's fields replace an earlier's; the dirty ranges it added
                        // add to those before it.
                        (whole, update.map { $0.updated(by: line) } ?? line, record.consumersRevision)
                    } else {
                        (line, nil, record.consumersRevision)
                    }
                try compactIfLarge(&log)
            }
        } catch {
            throw .unsaved("file \(record.id) changed but its record was not saved (\(error.symbol))")
        }
    }

    func removed(_ id: FileID) {
        do {
            try log.withLock { (log) throws(Errno) in try forget(id, &log) }
        } catch {
            Log.warning("journal: the deletion of file \(id) was not saved (\(error.symbol))")
        }
        notifier.removeStored(name: id.rawValue)
    }

    /// Every live record, and for each line that cannot be read (other than a last one cut short)
    /// its place and why. Compacts the log to those records.
    func load() -> (records: [FileRecord], unreadable: [(name: String, why: String)]) {
        let bytes = ((try? AtomicFile(path: directory.appending("journal.log")).read()) ?? nil) ?? []
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        if bytes.last != UInt8(ascii: "\n"), !lines.isEmpty { lines.removeLast() }
        var latest: [String: StoredFile] = [:]
        var receipts: [String: [StoredReceipt]] = [:]
        var unreadable: [(name: String, why: String)] = []
        let decoder = JSONCoding.decoder()
        for (number, line) in lines.enumerated() {
            let data = Data(line)
            if let removal = try? decoder.decode(StoredRemoval.self, from: data) {
                latest[removal.removed] = nil
                receipts[removal.removed] = nil
                continue
            }
            do {
                let file = try decoder.decode(StoredFile.self, from: data)
                latest[file.id] = latest[file.id].map { $0.updated(by: file) } ?? file
                receipts[file.id, default: []] += file.receipts ?? []
            } catch {
                unreadable.append(("journal.log line \(number + 1)", "\(error)"))
            }
        }
        var records: [FileRecord] = []
        for file in latest.values.sorted(by: { $0.id < $1.id }) {
            do {
                var record = try file.record()
                record.receipts = Self.receiptsKept(receipts[file.id] ?? [], of: record)
                records.append(record)
            } catch {
                unreadable.append(("journal.log record of \(file.id)", "\(error)"))
            }
        }
        log.withLock { log in
            log.live = [:]
            log.receipts = [:]
            for record in records {
                log.live[record.id] = (StoredFile(record), nil, .max)
                log.receipts[record.id] = record.receipts.compactMap { StoredReceipt($0) }
            }
            try? compact(&log)
        }
        return (records, unreadable)
    }

    /// Those of `receipts` whose object `record` holds and whose key still counts
    /// (IdempotencyKeys.lifetime): a deleted object's receipt goes with it.
    static func receiptsKept(_ receipts: [StoredReceipt], of record: FileRecord) -> [ObjectReceipt] {
        let cutoff = IdempotencyKeys.cutoff(at: .now())
        return receipts.compactMap { $0.kept(with: record.id) }.filter {
            $0.receipt.createdAt > cutoff && record.holds($0.object)
        }
    }

    /// Rewrites the log to its live records, each whole: for a clean stop or an upgrade, after
    /// the last lines, so that a gmemd that reads no `dirty_added` (format minor 3 and older)
    /// can take over from this one.
    func rewrite() {
        do {
            try log.withLock { (log) throws(Errno) in try compact(&log) }
        } catch {
            Log.warning("journal: the log was not rewritten whole at the stop (\(error.symbol))")
        }
    }

    /// Keeps the record of a file that was not taken back in `files/lost/`, with the reason, and
    /// forgets it in the log.
    func markLost(_ record: FileRecord, reason: String) {
        let lost = directory.appending("lost")
        try? AtomicFile(path: lost.appending("\(record.id.rawValue).json")).write(
            JSONWriter.encode(StoredFile(record)))
        try? AtomicFile(path: lost.appending("\(record.id.rawValue).reason")).write(
            Array((reason + "\n").utf8))
        log.withLock { log in try? forget(record.id, &log) }
    }

    private func forget(_ id: FileID, _ log: inout Appender) throws(Errno) {
        try append(JSONWriter.encode(StoredRemoval(removed: id.rawValue)), &log)
        log.live[id] = nil
        log.receipts[id] = nil
        try compactIfLarge(&log)
    }

    private func append(_ json: [UInt8], _ log: inout Appender) throws(Errno) {
        let line = json + [UInt8(ascii: "\n")]
        var written = 0
        while written < line.count {
            written += try syscall("write") {
                line.withUnsafeBytes { Glibc.write(log.fd, $0.baseAddress! + written, $0.count - written) }
            }
        }
        log.bytes += line.count
        flusher.didAppend()
    }

    /// Past `compactionBytes`, and `compactionFactor` times what the last compaction left.
    private func compactIfLarge(_ log: inout Appender) throws(Errno) {
        guard log.bytes > max(compactionBytes, Self.compactionFactor * log.compactedBytes) else {
            return
        }
        try compact(&log)
    }

    /// Writes the live records to a new log, flushed, and renames it over the old one.
    private func compact(_ log: inout Appender) throws(Errno) {
        let path = directory.appending("journal.log")
        var bytes: [UInt8] = []
        for id in log.live.keys {
            guard let (whole, update, revision) = log.live[id] else { continue }
            var file = update.map { whole.updated(by: $0) } ?? whole
            file.receipts = nil
            if let receipts = log.receipts[id], let record = try? file.record() {
                let kept = Self.receiptsKept(receipts, of: record).compactMap { StoredReceipt($0) }
                log.receipts[id] = kept
                file.receipts = kept.isEmpty ? nil : kept
            }
            log.live[id] = (file, nil, revision)
            bytes += JSONWriter.encode(file)
            bytes.append(UInt8(ascii: "\n"))
        }
        try AtomicFile(path: path).write(bytes)
        let fd = open(path.string, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        _ = close(log.fd)
        (log.fd, log.bytes, log.compactedBytes) = (fd, bytes.count, bytes.count)
        flusher.didCompact(to: dup(fd))
    }
}
