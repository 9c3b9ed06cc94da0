import GuestMem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// What a start took back of the files journaled before it: how many came back, and which were
/// lost and why (GET /v1/health counts them, `files/lost/` keeps their records and reasons).
struct RestoreReport: Sendable {
    var restored = 0
    var lost: [String] = []
}

/// Takes back, at start, the journaled memfd files whose descriptors came back (InheritedDescriptors):
/// each is checked against its record (MemoryStore.restore). A record without its descriptor, or
/// whose descriptor is not that file, is lost: logged, moved to `files/lost/` with the reason, and
/// counted; never silently dropped. So is every guest_memfd's: it cannot outlive its VM's process. A record of a removed tenant is that removal's leftover and
/// goes. A descriptor that no record names (stored by a gmemd that crashed before its record was
/// written, so no client heard of it) is closed and dropped from the fd store. The idempotency
/// receipts kept with a file taken back go to `keys`, so a retry of the request that made the
/// file, a consumer or a pin gets its answer again.
enum FileRestore {
    static func run(
        _ descriptors: inout [String: Int32], files: FileStateDirectory, memory: MemoryStore,
        keys: IdempotencyKeys, notifier: ServiceNotifier
    ) -> RestoreReport {
        var report = RestoreReport()
        let (records, unreadable) = files.load()
        for (place, why) in unreadable {
            Log.warning("journal: \(place) cannot be read, its file is not taken back: \(why)")
            report.lost.append(place)
        }
        for record in records {
            if let vm = record.vm {
                lose(
                    record,
                    "a guest_memfd of \(vm), which ended with the process that made it "
                        + "(KVM answers EIO to any other), and its memory with it", files, &report)
                continue
            }
            guard let fd = descriptors.removeValue(forKey: record.id.rawValue) else {
                lose(
                    record, "no descriptor of it came back (no service manager kept it, or it was stopped)",
                    files, &report)
                continue
            }
            do {
                _ = try memory.restore(record, descriptor: FileDescriptor(rawValue: fd))
                keys.remember(record.receipts, of: record.tenant)
                report.restored += 1
            } catch .notFound {
                Log.info("file \(record.id): its tenant \(record.tenant) was removed; the file goes with it")
                files.removed(record.id)
            } catch {
                lose(record, "\(error)", files, &report)
                notifier.removeStored(name: record.id.rawValue)
            }
        }
        for (name, fd) in descriptors {
            close(fd)
            Log.warning("inherited descriptor '\(name)' names no journaled file: closed")
            notifier.removeStored(name: name)
        }
        descriptors = [:]
        if !records.isEmpty || !unreadable.isEmpty {
            Log.info("restored \(report.restored) of \(records.count + unreadable.count) journaled file(s)")
        }
        return report
    }

    private static func lose(
        _ record: FileRecord, _ reason: String, _ files: FileStateDirectory, _ report: inout RestoreReport
    ) {
        Log.warning("file \(record.id) lost at restart: \(reason); its record is in files/lost/")
        files.markLost(record, reason: reason)
        report.lost.append(record.id.rawValue)
    }
}
