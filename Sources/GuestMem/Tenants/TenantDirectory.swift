import Synchronization

/// Every tenant gmemd serves, and the one owner of each: identity, credential digest and limits
/// here, usage in the Tenant itself. Creating a tenant, changing its limits and removing it are
/// one call each, saved to the journal before they take effect: a change either happened whole
/// or not at all, and nothing is ever rolled back.
///
/// Locking (LockOrder): `changes` orders every change and is held across the journal's save
/// (an fsync: admin changes are rare, and must reach the disk in the order they were made).
/// `table` guards the table alone and is held only to read or swap an entry, so a token lookup
/// never waits for a save. Under `changes` a change briefly takes `table`, a Tenant's own lock
/// (its limits) or the store's `maps` (to index a tenant or take it out), one at a time.
/// `epoch` is an atomic, read without a lock.
package final class TenantDirectory: Sendable {
    private let journal: (any TenantJournal)?
    private let changes = RankedMutex(.tenantChanges, ())
    private let table: RankedMutex<[TenantID: Tenant]>
    private let epoch = Atomic<UInt64>(0)

    /// The tenants `records` describes; `journal` saves every change from now on. Without one,
    /// tenants live as long as the directory (a store that serves no HTTP: tests, tools).
    package init(_ records: [TenantRecord] = [], journal: (any TenantJournal)? = nil) {
        self.journal = journal
        var tenants: [TenantID: Tenant] = [:]
        for record in records { tenants[record.id] = Tenant(record) }
        table = RankedMutex(.tenantTable, tenants)
    }

    /// The digest kept for `id`'s credential, or nil for an unknown tenant.
    package func credentialDigest(of id: TenantID) -> String? {
        table.withLock { $0[id] }?.credentialDigest
    }

    package func record(of id: TenantID) -> TenantRecord? { table.withLock { $0[id] }?.record }

    /// Moves on whenever a credential stops proving what it proved (a tenant removed, its token
    /// with it), once the change is in force and before its caller answers. Whoever remembers
    /// what a token proved trusts that only while this has not moved, and reads it before looking
    /// the token up: a removal after that read moves it past what was read.
    package var credentialEpoch: UInt64 { epoch.load(ordering: .sequentiallyConsistent) }

    /// The receipt of the tenant that a request with idempotency key `key` created after
    /// `cutoff`, if that tenant still exists. Only the admin creates tenants, and a key that still
    /// counts is never used to create again, so at most one tenant has it.
    package func receipt(forKey key: String, madeAfter cutoff: Timestamp) -> CreationReceipt? {
        table.withLock { tenants in
            tenants.values.lazy.compactMap(\.receipt).first { $0.key == key && $0.createdAt > cutoff }
        }
    }

    /// Every tenant's record, sorted by id.
    package var records: [TenantRecord] { Self.sorted(table.withLock { Array($0.values) }.map(\.record)) }

    /// Records sorted by id, starting after `cursor`; `next` is the cursor of the page after.
    package func page(after cursor: TenantID?, limit: Int) -> (records: [TenantRecord], next: TenantID?) {
        let after = records.filter { cursor == nil || $0.id > cursor! }
        let page = Array(after.prefix(limit))
        return (page, after.count > limit ? page.last?.id : nil)
    }

    /// Sets the limits of `id` to what `change` makes of the ones in force, in one hold of
    /// `changes`: two changes at once apply one after the other, each to what the previous one
    /// left. `versions`, when given, must hold the tenant's version (preconditionFailed). A
    /// change that changes nothing saves nothing; a real one moves the version on.
    package func updateLimits(
        of id: TenantID, expecting versions: Set<UInt64>?, _ change: (TenantLimits) -> TenantLimits
    ) throws(GuestMemError) -> TenantRecord {
        try changes.withLock { _ throws(GuestMemError) -> TenantRecord in
            let tenants = table.withLock { $0 }
            let tenant = try Self.tenant(id, in: tenants, expecting: versions)
            var record = tenant.record
            let limits = change(record.limits)
            guard limits != record.limits else { return record }
            record.limits = limits
            record.version += 1
            try journal?.save(Self.sorted(tenants.values.map { $0.id == id ? record : $0.record }))
            tenant.apply(record)
            return record
        }
    }

    /// Adds `record`'s tenant: saved, then `index`ed (the store's maps), then found by id. An
    /// id already present is EEXIST.
    func insert(_ record: TenantRecord, index: (Tenant) -> Void) throws(GuestMemError) {
        try changes.withLock { _ throws(GuestMemError) in
            let tenants = table.withLock { $0 }
            guard tenants[record.id] == nil else {
                throw .refused("tenant \(record.id) exists", errno: .fileExists)
            }
            try journal?.save(Self.sorted(tenants.values.map(\.record) + [record]))
            let tenant = Tenant(record)
            index(tenant)
            table.withLock { $0[record.id] = tenant }
        }
    }

    /// Removes `id`: saved, then no longer found by id (its token stops working), then `unindex`ed;
    /// answers what `unindex` took out. `versions`, when given, must hold its version.
    func remove<Removed>(
        _ id: TenantID, expecting versions: Set<UInt64>?, unindex: (Tenant) -> Removed
    ) throws(GuestMemError) -> Removed {
        try changes.withLock { _ throws(GuestMemError) -> Removed in
            let tenants = table.withLock { $0 }
            let tenant = try Self.tenant(id, in: tenants, expecting: versions)
            try journal?.save(Self.sorted(tenants.values.filter { $0.id != id }.map(\.record)))
            table.withLock { $0[id] = nil }
            epoch.add(1, ordering: .sequentiallyConsistent)
            return unindex(tenant)
        }
    }

    /// Every tenant, for a store to index when it starts.
    var all: [Tenant] { table.withLock { Array($0.values) } }

    private static func tenant(
        _ id: TenantID, in tenants: [TenantID: Tenant], expecting versions: Set<UInt64>?
    )
        throws(GuestMemError) -> Tenant
    {
        guard let tenant = tenants[id] else { throw .notFound("no tenant \(id)") }
        if let versions, case let version = tenant.record.version, !versions.contains(version) {
            throw .preconditionFailed("tenant version is \(version), not one of \(versions.sorted())")
        }
        return tenant
    }

    private static func sorted(_ records: [TenantRecord]) -> [TenantRecord] {
        records.sorted { $0.id < $1.id }
    }
}
