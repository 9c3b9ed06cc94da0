import FoundationEssentials
import GuestMem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// STATE_DIR/tenants.json: the tenant directory's journal, replaced whole and atomically on
/// every change. Its layout is versioned apart from the wire:
///
///     {"format_major": 1, "format_minor": 1, "tenants": [{"created_at": …, "id": …,
///      "limits": {"max_bytes": …, …}, "name": …, "token_digest": …, "version": …,
///      "idempotency": {"key": …, "fingerprint": …, "created_at": …, "answer": {…}}}]}
///
/// - `idempotency` (minor 1) is there for a tenant created with an Idempotency-Key, while the
///   key counts (IdempotencyKeys.lifetime): the creating answer, token included, for a retry.
///   It is written in the same replacement that adds the tenant, and left out once it is older.
/// - A reader takes every file of the majors it knows, whatever its minor. A minor adds only
///   fields that a reader without them can leave out (a limit, which then has its default), so
///   unknown keys are ignored at every level on load, unlike request bodies, which refuse them.
/// - Unknown keys are not kept: rewriting the file writes this gmemd's own layout and minor.
///   A newer gmemd reading it sees the lower minor and knows that what it added may be gone.
/// - A newer major is refused at start, naming both, and the file is left as it is.
/// - The unversioned list that gmemd wrote before (bare records, some without `version` or
///   `max_vms`, some with milliseconds in `created_at`) loads as format 1.0.
struct TenantStateFile: TenantJournal {
    static let major = 1
    static let minor = 1

    let file: AtomicFile

    init(stateDirectory: FilePath) {
        file = AtomicFile(path: stateDirectory.appending("tenants.json"))
    }

    /// The records saved, none if there is no file yet.
    func load() throws -> [TenantRecord] {
        guard let bytes = try file.read() else { return [] }
        return try Self.records(from: bytes)
    }

    func save(_ records: [TenantRecord]) throws(GuestMemError) {
        do {
            try file.write(Self.bytes(of: records))
        } catch {
            throw .unsaved("could not save the tenant registry: \(error)")
        }
    }

    static func bytes(of records: [TenantRecord]) -> [UInt8] {
        let cutoff = IdempotencyKeys.cutoff(at: .now())
        return JSONCoding.encode(
            Layout(
                formatMajor: major, formatMinor: minor,
                tenants: records.map { StoredTenant($0, receiptsAfter: cutoff) }))
    }

    static func records(from bytes: [UInt8]) throws -> [TenantRecord] {
        let decoder = JSONCoding.decoder()
        let stored: [StoredTenant]
        if bytes.first(where: { !Self.isSpace($0) }) == UInt8(ascii: "[") {
            stored = try decoder.decode([StoredTenant].self, from: Data(bytes))
        } else {
            let layout = try decoder.decode(Layout.self, from: Data(bytes))
            guard layout.formatMajor == major else {
                throw NewerFormat(found: "\(layout.formatMajor).\(layout.formatMinor)")
            }
            stored = layout.tenants
        }
        let cutoff = IdempotencyKeys.cutoff(at: .now())
        return try stored.map { try $0.record(receiptsAfter: cutoff) }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r")
    }

    /// A file of a major this gmemd does not know: written by a newer gmemd, or not by gmemd.
    struct NewerFormat: Error, CustomStringConvertible {
        let found: String
        var description: String {
            "tenants.json is format \(found); this gmemd reads format \(major).x and the unversioned list "
                + "before it: run the gmemd that wrote it, or a newer one"
        }
    }

    private struct Layout: Codable {
        var formatMajor: Int
        var formatMinor: Int
        var tenants: [StoredTenant]
    }
}

/// One tenant as tenants.json keeps it: Codable, lenient, and no wire DTO, so that the wire's
/// strictness never stops a gmemd from starting on a file another version wrote.
private struct StoredTenant: Codable {
    var id: String
    var name: String
    var tokenDigest: String
    var limits: StoredLimits
    var createdAt: String
    /// Absent in records saved before tenants had ETags: they start at 1.
    var version: UInt64?
    /// Absent for a tenant created without an Idempotency-Key, or longer ago than it counts.
    var idempotency: StoredReceipt?

    /// `record` as saved; its receipt only if it was made after `cutoff`.
    init(_ record: TenantRecord, receiptsAfter cutoff: Timestamp) {
        id = record.id.rawValue
        name = record.name
        tokenDigest = record.credentialDigest
        limits = StoredLimits(record.limits)
        createdAt = WireTime.string(record.createdAt)
        version = record.version
        idempotency = record.receipt.flatMap { $0.createdAt > cutoff ? StoredReceipt($0) : nil }
    }

    func record(receiptsAfter cutoff: Timestamp) throws -> TenantRecord {
        guard let tenantID = TenantID(id) else { throw Malformed(why: "'\(id)' is not a tenant id") }
        guard let created = WireTime.timestamp(createdAt) else {
            throw Malformed(why: "tenant \(id) has created_at '\(createdAt)', not an RFC 3339 UTC time")
        }
        let receipt = idempotency?.receipt
        return TenantRecord(
            id: tenantID, name: name, credentialDigest: tokenDigest, limits: limits.applied(to: .default),
            createdAt: created, version: version ?? 1,
            receipt: receipt.flatMap { $0.createdAt > cutoff ? $0 : nil })
    }

    struct Malformed: Error, CustomStringConvertible {
        let why: String
        var description: String { "tenants.json: \(why)" }
    }
}

/// A tenant's limits in tenants.json, decoded leniently (LimitsBody refuses unknown keys); one
/// that is absent (saved before it existed, `max_vms` say) has its default.
private struct StoredLimits: PartialLimits, Codable {
    var maxBytes: Int64?
    var maxLockedBytes: Int64?
    var maxFiles: Int?
    var maxConsumers: Int?
    var maxVms: Int?
}
