extension MemoryStore {
    /// Creates a memfd for `tenantID`, counted against its `maxFiles` (EDQUOT past it). A
    /// hugetlb file where no huge page pool exists is refused here as unsupported (ENODEV): the
    /// kernel would create it and then fail every allocation (kernel-semantics.md §1g). A
    /// guest_memfd is made on a VM, by `createGuestMemfdFile`. `receipt` makes the receipt of a
    /// request with an idempotency key from the new file, journaled with it.
    package func createFile(
        for tenantID: TenantID, name: String, size: Int64, flags: FileFlags = FileFlags(),
        receipt: ((FileSnapshot) -> CreationReceipt?)? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        let tenant = try tenant(tenantID)
        try features.require(.memfd)
        if flags.hugetlb { try features.require(.hugePages) }
        try tenant.reserveFile()
        var charge = Charge()
        defer { tenant.settle(charge, releasingFile: true) }
        let file = try ManagedFile.createMemfd(
            id: .random(), tenant: tenantID, name: name, size: size, flags: flags,
            claim: try descriptors.claim(for: "memfd_create"), whileAllocating: whileAllocating)
        return try publish(file, of: tenantID, &charge, receipt: receipt)
    }

    /// Makes a new file visible in the tenant's listing and books it; answers it as it was
    /// before anyone else could see it. A new file is `keeping`: its record (and a memfd's
    /// descriptor) is kept first (a file taken back after a restart is kept already), with the
    /// receipt `receipt` makes of that answer.
    func publish(
        _ file: ManagedFile, of tenantID: TenantID, _ charge: inout Charge, keeping: Bool = true,
        receipt: ((FileSnapshot) -> CreationReceipt?)? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        // Taken before anyone else can see the file, so it is the file as created.
        let snapshot = try file.snapshot()
        // Kept before it is seen: a restart never forgets a file a client could have heard of.
        if keeping, let journal {
            try file.keep(in: journal, receipt: Self.naming(receipt) { .file($0.id) }?(snapshot))
        }
        try maps.withLock { (maps) throws(GuestMemError) in
            guard maps.tenants[tenantID] != nil else { throw .notFound("no tenant \(tenantID)") }
            maps.files[file.id] = file
            maps.tenants[tenantID]?.fileIDs.insert(file.id)
        }
        charge.files = 1
        return snapshot
    }

    /// One file of `tenantID`. Waits for no running operation. A file whose figures cannot drift
    /// (ManagedFile.State.canDrift) answers what its last change published: no lock, no syscall.
    /// One whose figures can is read from the kernel, its allocation booked as the kernel reports
    /// it now, so its `allocatedBytes` and the tenant's usage agree.
    package func file(_ id: FileID, of tenantID: TenantID) throws(GuestMemError) -> FileSnapshot {
        let (tenant, file) = try lookup(id, of: tenantID)
        if let snapshot = try file.snapshotWithoutLock() { return snapshot }
        var charge = Charge()
        defer { tenant.settle(charge) }
        return try file.snapshotRecounting(&charge)
    }

    /// Whether `id` is a guest_memfd file of `tenantID`: its content cannot go out by sendfile(2).
    package func isGuestMemfd(_ id: FileID, of tenantID: TenantID) -> Bool {
        (try? lookup(id, of: tenantID).1.isGuestMemfd) ?? false
    }

    /// Up to `limit` files of `tenantID` in id order, after `cursor`; `next` is the cursor for
    /// the following page, nil on the last. Costs the page, not the table; waits for no running
    /// operation.
    package func files(of tenantID: TenantID, after cursor: FileID? = nil, limit: Int) throws(GuestMemError)
        -> (items: [FileSnapshot], next: FileID?)
    {
        guard limit > 0 else { throw .invalid("limit must be at least 1", errno: .invalidArgument) }
        let (page, hasMore) = try maps.withLock { (maps) throws(GuestMemError) -> ([ManagedFile], Bool) in
            guard let entry = maps.tenants[tenantID] else { throw .notFound("no tenant \(tenantID)") }
            let page = entry.fileIDs.page(after: cursor, limit: limit)
            return (page.ids.compactMap { maps.files[$0] }, page.hasMore)
        }
        // A file deleted since the page was cut is left out, not reported as an error.
        let items = page.compactMap { file in try? file.snapshotWithoutLock() ?? file.snapshot() }
        return (items, hasMore ? page.last?.id : nil)
    }

    /// Sets the size (ftruncate). `versions`, when given, must hold the current version (an
    /// If-Match list): checked under the file's operation lock, so of two changes that saw one
    /// version only the first applies.
    package func resize(
        _ id: FileID, of tenantID: TenantID, to size: Int64, expecting versions: Set<UInt64>? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        try changing(id, of: tenantID) { (tenant, file) throws(GuestMemError) in
            var charge = Charge()
            defer { tenant.settle(charge) }
            return try file.resize(to: size, expecting: versions, charge: &charge)
        }
    }

    /// Deletes a file. `versions`, when given, must hold the current version. Its pins are
    /// revoked and its consumers detached (their memslots deleted) before it answers, and a
    /// guest_memfd is forgotten in its VM. The backing's last close, which frees its pages, runs
    /// after every lock is let go. A file whose descriptor left gmemd is refused with EBUSY while
    /// process consumers are attached, unless `force`, and is punched whole first
    /// (ManagedFile.punchForDelete).
    package func deleteFile(
        _ id: FileID, of tenantID: TenantID, expecting versions: Set<UInt64>? = nil, force: Bool = false
    ) throws(GuestMemError) {
        let (tenant, file) = try lookup(id, of: tenantID)
        var charge = Charge()
        var detached: [Consumer] = []
        let backing: FileBacking
        do {
            backing = try file.remove(expecting: versions, force: force, charge: &charge, detached: &detached)
        } catch {
            tenant.settle(charge)
            throw error
        }
        maps.withLock { maps in
            maps.files[id] = nil
            maps.tenants[tenantID]?.fileIDs.remove(id)
            for consumer in detached { maps.keepDetached(consumer) }
        }
        unbind(detached)
        if let vm = file.vm { maps.withLock { $0.vms[vm] }?.forget(id) }
        tenant.settle(charge)
        forget(file)
        backing.close()
    }
}
