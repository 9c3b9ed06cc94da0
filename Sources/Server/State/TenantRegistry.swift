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
        try change { $0[record.id] = record }
    }

    func update(_ id: TenantID, _ body: (inout TenantRecord) -> Void) throws(Problem) -> TenantRecord {
        var updated: TenantRecord?
        try change { records in
            if var record = records[id.rawValue] {
                body(&record)
                records[id.rawValue] = record
                updated = record
            }
        }
        guard let updated else { throw .notFound("tenant") }
        return updated
    }

    func remove(_ id: TenantID) throws(Problem) {
        try change { $0[id.rawValue] = nil }
    }

    private func change(_ body: (inout [String: TenantRecord]) -> Void) throws(Problem) {
        try state.withLock { (records) throws(Problem) in
            var next = records
            body(&next)
            let sorted = next.values.sorted { $0.id < $1.id }
            do {
                try file.write(JSONCoding.encode(sorted))
            } catch {
                throw Problem(.internalServerError, detail: "could not save the tenant registry: \(error)")
            }
            records = next
        }
    }
}
