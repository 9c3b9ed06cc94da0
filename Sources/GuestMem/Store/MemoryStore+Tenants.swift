extension MemoryStore {
    /// Adds the tenant `record` describes, with no files, through the tenant directory: saved
    /// first, then indexed here, then found by its credential. An id already present is EEXIST.
    package func createTenant(_ record: TenantRecord) throws(GuestMemError) {
        try tenants.insert(record) { tenant in
            maps.withLock { $0.tenants[tenant.id] = TenantEntry(tenant: tenant) }
        }
    }

    /// Adds a tenant that no credential reaches, named by its id: for a store that serves no
    /// HTTP (tests, tools).
    package func addTenant(_ id: TenantID, limits: TenantLimits = .default) throws(GuestMemError) {
        try createTenant(
            TenantRecord(id: id, name: id.rawValue, credentialDigest: "", limits: limits, createdAt: .now()))
    }

    /// Removes a tenant (saved first; `versions`, when given, must hold its version) and
    /// deletes its files and VMs, detaching their consumers; their fds are closed after every
    /// lock is let go.
    package func removeTenant(_ id: TenantID, expecting versions: Set<UInt64>? = nil) throws(GuestMemError) {
        let removed = try tenants.remove(id, expecting: versions) { tenant -> RemovedObjects in
            maps.withLock { maps in
                // The directory indexed it here when it added it, and only it takes it out.
                let entry = maps.tenants.removeValue(forKey: tenant.id) ?? TenantEntry(tenant: tenant)
                for consumer in entry.consumerIDs { maps.consumers[consumer] = nil }
                return maps.remove(entry)
            }
        }
        removed.close()
        for file in removed.files { forget(file) }
    }

    /// A tenant's limits.
    package func limits(of id: TenantID) throws(GuestMemError) -> TenantLimits {
        try tenant(id).limits
    }

    /// A tenant's usage: the sum of the kernel's st_blocks figures for its files, as last seen.
    /// Files whose descriptor left gmemd are looked at again first (MemoryStore+Export).
    package func usage(of id: TenantID) throws(GuestMemError) -> TenantUsage {
        try recountDrifting(of: id)
        return try tenant(id).usage
    }

    /// A listed tenant's usage, or nil when it was removed since the list was taken: a listing
    /// that raced a removal leaves that tenant out rather than failing whole.
    package func usageIfPresent(of id: TenantID) throws(GuestMemError) -> TenantUsage? {
        do {
            return try usage(of: id)
        } catch .notFound {
            return nil
        }
    }
}
