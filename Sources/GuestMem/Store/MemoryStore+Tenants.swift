extension MemoryStore {
    /// Adds a tenant with no files. An id already present is EEXIST.
    package func addTenant(_ id: TenantID, limits: TenantLimits = .default) throws(GuestMemError) {
        try maps.withLock { (maps) throws(GuestMemError) in
            guard maps.tenants[id] == nil else { throw .refused("tenant \(id) exists", errno: .fileExists) }
            maps.tenants[id] = TenantEntry(tenant: Tenant(id: id, limits: limits))
        }
    }

    /// Removes a tenant and deletes its files and VMs, detaching their consumers; their fds are
    /// closed after every lock is let go.
    package func removeTenant(_ id: TenantID) throws(GuestMemError) {
        let removed = try maps.withLock { (maps) throws(GuestMemError) -> RemovedObjects in
            guard let entry = maps.tenants.removeValue(forKey: id) else { throw .notFound("no tenant \(id)") }
            for consumer in entry.consumerIDs { maps.consumers[consumer] = nil }
            return maps.remove(entry)
        }
        removed.close()
    }

    /// Replaces a tenant's limits. Usage above a lowered limit stays; new allocations are refused.
    package func setLimits(_ limits: TenantLimits, for id: TenantID) throws(GuestMemError) {
        try tenant(id).limits = limits
    }

    /// A tenant's limits.
    package func limits(of id: TenantID) throws(GuestMemError) -> TenantLimits {
        try tenant(id).limits
    }

    /// A tenant's usage: the sum of the kernel's st_blocks figures for its files, as last seen.
    /// Files whose descriptor left gmemd are looked at again first (MemoryStore+Export).
    package func usage(of id: TenantID) throws(GuestMemError) -> TenantUsage {
        try recountExported(of: id)
        return try tenant(id).usage
    }
}
