extension MemoryStore {
    /// Creates a KVM VM with no vCPUs for `tenantID` (KVM_CREATE_VM), counted against its
    /// `maxVMs` (EDQUOT past it). Where KVM is unavailable, refused with the reason.
    package func createVM(for tenantID: TenantID, name: String? = nil) throws(GuestMemError) -> VMSnapshot {
        try features.require(.vms)
        let tenant = try tenant(tenantID)
        try tenant.reserveVM()
        var charge = Charge()
        defer { tenant.settle(charge, releasingVM: true) }
        let claim = try descriptors.claim(for: "KVM_CREATE_VM")
        var vm = try kvm.createVM()
        vm.claim = claim
        let held = HeldVM(id: .random(), tenant: tenantID, name: name, vm: vm)
        let snapshot = try held.snapshot()
        try maps.withLock { (maps) throws(GuestMemError) in
            guard maps.tenants[tenantID] != nil else { throw .notFound("no tenant \(tenantID)") }
            maps.vms[held.id] = held
            maps.tenants[tenantID]?.vmIDs.insert(held.id)
        }
        charge.vms = 1
        return snapshot
    }

    /// One VM of `tenantID`.
    package func vm(_ id: VMID, of tenantID: TenantID) throws(GuestMemError) -> VMSnapshot {
        try features.require(.vms)
        return try heldVM(id, of: tenantID).snapshot()
    }

    /// Up to `limit` VMs of `tenantID` in id order, after `cursor`; `next` is the cursor for the
    /// following page, nil on the last.
    package func vms(of tenantID: TenantID, after cursor: VMID? = nil, limit: Int) throws(GuestMemError)
        -> (items: [VMSnapshot], next: VMID?)
    {
        try features.require(.vms)
        guard limit > 0 else { throw .invalid("limit must be at least 1", errno: .invalidArgument) }
        let (page, hasMore) = try maps.withLock { (maps) throws(GuestMemError) -> ([HeldVM], Bool) in
            guard let entry = maps.tenants[tenantID] else { throw .notFound("no tenant \(tenantID)") }
            let page = entry.vmIDs.page(after: cursor, limit: limit)
            return (page.ids.compactMap { maps.vms[$0] }, page.hasMore)
        }
        // A VM deleted since the page was cut is left out, not reported as an error.
        let items = page.compactMap { try? $0.snapshot() }
        return (items, hasMore ? page.last?.id : nil)
    }

    /// Deletes a VM. One with guest_memfd files or memslots is refused with EBUSY, unless
    /// `cascade`: then its files are deleted, and the kvm consumers still bound in it (on memfd
    /// files) detached, first. Closing the VM deletes its memslots; it and the files are closed
    /// after every lock is let go.
    package func deleteVM(_ id: VMID, of tenantID: TenantID, cascade: Bool = false) throws(GuestMemError) {
        try features.require(.vms)
        let (tenant, held) = try lookupVM(id, of: tenantID)
        let removed = try held.remove(cascade: cascade)
        for file in removed.files {
            // A file deleted meanwhile by its own request is already gone.
            try? deleteFile(file, of: tenantID)
        }
        maps.withLock { maps in
            _ = maps.vms.removeValue(forKey: id)
            maps.tenants[tenantID]?.vmIDs.remove(id)
        }
        var charge = Charge()
        charge.vms = -1
        for consumer in removed.bound where consumer.file.detach(consumer, charge: &charge) {
            maps.withLock { $0.keepDetached(consumer) }
        }
        tenant.settle(charge)
        for consumer in removed.bound { try? journal(consumer.file) }
        removed.vm.close()
    }

    /// The VM `id` of tenant `tenantID`, or notFound, also for another tenant's VM.
    func heldVM(_ id: VMID, of tenantID: TenantID) throws(GuestMemError) -> HeldVM {
        try lookupVM(id, of: tenantID).1
    }

    /// The VM `id` a request body names (a guest_memfd's, a binding's): one the tenant does not
    /// have is the body's fault, unknownReference, not the URL's notFound (design.md §3).
    func referencedVM(_ id: VMID, of tenantID: TenantID) throws(GuestMemError) -> HeldVM {
        do { return try heldVM(id, of: tenantID) } catch .notFound { throw .unknownReference("no vm \(id)") }
    }

    private func lookupVM(_ id: VMID, of tenantID: TenantID) throws(GuestMemError) -> (Tenant, HeldVM) {
        let found = maps.withLock { maps -> (Tenant, HeldVM)? in
            guard let held = maps.vms[id], held.tenant == tenantID, let entry = maps.tenants[tenantID] else {
                return nil
            }
            return (entry.tenant, held)
        }
        guard let found else { throw .notFound("no vm \(id)") }
        return found
    }
}
