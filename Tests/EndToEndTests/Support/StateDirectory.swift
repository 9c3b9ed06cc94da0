import Foundation
import TestSupport

/// A state directory that outlives the gmemd instances given it, for tests that restart gmemd on
/// the same tenants. `--state-dir` in `flags` comes after the harness's own, and wins.
struct StateDirectory {
    let url: URL

    /// A new empty directory named after `label`; `remove()` it when done.
    init(_ label: String) throws {
        url = FileManager.default.temporaryDirectory.appending(path: "gmemd-e2e-\(label)-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var flags: [String] { ["--state-dir", url.path] }
    var adminTokenFile: URL { url.appending(path: "admin-token") }
    var tenantRegistry: URL { url.appending(path: "tenants.json") }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// The tenant records in tenants.json (its `tenants`).
    func tenantRecords() throws -> [[String: Any]] {
        guard
            let layout = try JSONSerialization.jsonObject(with: Data(contentsOf: tenantRegistry))
                as? [String: Any],
            let records = layout["tenants"] as? [[String: Any]]
        else { throw EndToEndError.malformedResponse("tenants.json has no list of tenants") }
        return records
    }

    /// Rewrites every record in tenants.json as an older gmemd would have saved it: changed by
    /// `change`, in the unversioned list gmemd wrote before tenants.json had a format version.
    func rewriteTenantRecords(_ change: (inout [String: Any]) -> Void) throws {
        var records = try tenantRecords()
        for index in records.indices { change(&records[index]) }
        try JSONSerialization.data(withJSONObject: records).write(to: tenantRegistry)
    }
}
