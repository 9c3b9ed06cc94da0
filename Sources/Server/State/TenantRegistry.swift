import Foundation
import GuestMem
import Synchronization
import SystemPackage

/// The tenants gmemd knows, persisted in `STATE_DIR/tenants.json`. `state` guards the records
/// and the file: every change is written out (atomically) before the lock is let go, so the
/// file never lags what a client was told. Admin changes are rare; holding the lock across
/// the write keeps two admins' changes from racing each other to disk.
final class TenantRegistry: Sendable {
    private let file: AtomicFile
    private let state: Mutex<[String: TenantRecord]>

    init(stateDirectory: FilePath) throws {
        file = AtomicFile(path: stateDirectory.appending("tenants.json"))
        var records: [String: TenantRecord] = [:]
        if let bytes = try file.read() {
            for record in try JSONCoding.decoder().decode([TenantRecord].self, from: Data(bytes)) {
                records[record.id] = record
            }
        }
        state = Mutex(records)
    }

    var all: [TenantRecord] { state.withLock { Array($0.values) }.sorted { $0.id < $1.id } }

    func tokenDigest(of id: TenantID) -> String? { state.withLock { $0[id.rawValue]?.tokenDigest } }

    func record(_ id: TenantID) -> TenantRecord? { state.withLock { $0[id.rawValue] } }

    /// Tenants sorted by id, starting after `cursor`.
    func page(after cursor: String?, limit: Int) -> (items: [TenantRecord], next: String?) {
        let sorted = all.filter { cursor == nil || $0.id > cursor! }
        let items = Array(sorted.prefix(limit))
        return (items, sorted.count > limit ? items.last?.id : nil)
    }

    func insert(_ record: TenantRecord) throws(Problem) {
        try state.withLock { (records) throws(Problem) in
            var next = records
            next[record.id] = record
            try store(next, into: &records)
        }
    }

    /// Changes the record of `id` in one hold of the lock, so that concurrent changes apply one
    /// after the other, each to the record the previous one left: `change` edits the current
    /// record, the file is written, then `commit` applies the result beyond the registry (the
    /// domain's limits) in the same order. `versions`, when given, must hold the record's
    /// version (412). A change that throws, or that changes nothing, writes nothing; a real one
    /// moves the version on.
    func update(
        _ id: TenantID, expecting versions: Set<UInt64>?,
        _ change: (inout TenantRecord) throws(Problem) -> Void,
        commit: (TenantRecord) throws(Problem) -> Void
    ) throws(Problem) -> TenantRecord {
        try state.withLock { (records) throws(Problem) -> TenantRecord in
            let current = try Self.record(id, in: records, expecting: versions)
            var updated = current
            try change(&updated)
            if updated != current {
                updated.version = current.version + 1
                var next = records
                next[id.rawValue] = updated
                try store(next, into: &records)
            }
            try commit(updated)
            return updated
        }
    }

    /// Forgets the tenant `id`; `versions`, when given, must hold its version (412).
    func remove(_ id: TenantID, expecting versions: Set<UInt64>?) throws(Problem) {
        try state.withLock { (records) throws(Problem) in
            _ = try Self.record(id, in: records, expecting: versions)
            var next = records
            next[id.rawValue] = nil
            try store(next, into: &records)
        }
    }

    private static func record(
        _ id: TenantID, in records: [String: TenantRecord], expecting versions: Set<UInt64>?
    )
        throws(Problem) -> TenantRecord
    {
        guard let record = records[id.rawValue] else { throw .notFound("tenant") }
        if let versions, !versions.contains(record.version) {
            throw Problem(
                .precondition, detail: "tenant version is \(record.version), not one of \(versions.sorted())")
        }
        return record
    }

    /// Writes `next` out whole, then makes it the records in memory; `records` is the state
    /// the caller holds locked, so the file never lags what a client is told.
    private func store(_ next: [String: TenantRecord], into records: inout [String: TenantRecord])
        throws(Problem)
    {
        do {
            try file.write(JSONCoding.encode(next.values.sorted { $0.id < $1.id }))
        } catch {
            throw Problem(.internalError, detail: "could not save the tenant registry: \(error)")
        }
        records = next
    }
}
