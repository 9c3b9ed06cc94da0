extension MemoryStore {
    /// Creates a guest_memfd of `size` bytes on VM `vmID` (KVM_CREATE_GUEST_MEMFD), counted
    /// against the tenant's `maxFiles`. The kernel judges size and flags and its refusal comes
    /// back unchanged (EINVAL for a size that is not a positive multiple of the page or for a
    /// flag it does not know, kernel-semantics.md C1, C6). Where guest_memfd, or a flag asked
    /// for, is not served, refused with the reason before any syscall; another tenant's VM is an
    /// unknownReference.
    package func createGuestMemfdFile(
        for tenantID: TenantID, name: String, size: Int64, vm vmID: VMID, flags: GuestMemfdFlags
    ) throws(GuestMemError) -> FileSnapshot {
        try features.require(flags)
        let tenant = try tenant(tenantID)
        let held = try referencedVM(vmID, of: tenantID)
        guard !name.utf8.contains(0) else {
            throw .invalid("name contains a NUL byte", errno: .invalidArgument)
        }
        try tenant.reserveFile()
        var charge = Charge()
        defer { tenant.settle(charge, releasingFile: true) }
        let id = FileID.random()
        let file = GuestMemoryFile(
            id: id, tenant: tenantID, vm: vmID, name: name,
            file: try held.createGuestMemfd(
                id, size: size, flags: flags, claim: try descriptors.claim(for: "KVM_CREATE_GUEST_MEMFD")))
        let snapshot = try file.snapshot()
        try maps.withLock { (maps) throws(GuestMemError) in
            guard maps.tenants[tenantID] != nil else { throw .notFound("no tenant \(tenantID)") }
            maps.guestFiles[id] = file
            maps.tenants[tenantID]?.fileIDs.insert(id)
        }
        charge.files = 1
        // A cascading delete of the VM that ran since the file was made could not see it in the
        // maps: the file goes with its VM.
        guard held.holds(id) else {
            try? deleteGuestMemfdFile(id, of: tenantID)
            throw .unknownReference("no vm \(vmID)")
        }
        return snapshot
    }

    /// The guest_memfd file `id` of tenant `tenantID` and that tenant, or nil when `id` is no
    /// guest_memfd file of that tenant (it may be a memfd).
    func guestFile(_ id: FileID, of tenantID: TenantID) -> (Tenant, GuestMemoryFile)? {
        maps.withLock { maps -> (Tenant, GuestMemoryFile)? in
            guard let file = maps.guestFiles[id], file.tenant == tenantID, let entry = maps.tenants[tenantID]
            else { return nil }
            return (entry.tenant, file)
        }
    }

    /// Whether `id` is a guest_memfd file of `tenantID`: its content cannot go out by sendfile(2).
    package func isGuestMemfd(_ id: FileID, of tenantID: TenantID) -> Bool {
        guestFile(id, of: tenantID) != nil
    }

    /// Allocates or punches `range` of a guest_memfd file; see `GuestMemoryFile.fallocate`.
    func fallocate(
        _ file: GuestMemoryFile, of tenant: Tenant, mode: FallocateMode, range: ByteRange,
        expecting versions: Set<UInt64>?
    ) throws(GuestMemError) -> FileSnapshot {
        try reserving(mode == .punchHole ? 0 : file.worstCase(range), for: tenant) {
            (reservation, charge) throws(GuestMemError) in
            try file.fallocate(
                mode, range, expecting: versions, within: reservation, host: host, charge: &charge)
        }
    }

    /// Reads `range` of a guest_memfd file through its mapping; it allocates nothing.
    func read(_ file: GuestMemoryFile, range: ByteRange) throws(GuestMemError) -> [UInt8] {
        try file.read(range, maxBytes: Self.maxReadBytes)
    }

    /// Writes `bytes` at `offset` of a guest_memfd file through its mapping.
    func write(
        _ file: GuestMemoryFile, of tenant: Tenant, offset: Int64, bytes: [UInt8],
        expecting versions: Set<UInt64>?
    ) throws(GuestMemError) -> (written: Int64, size: Int64) {
        try file.requireMappable()
        let range = try MemoryFile.writeRange(offset: offset, count: bytes.count)
        let written = try reserving(range.map(file.worstCase) ?? 0, for: tenant) {
            (reservation, charge) throws(GuestMemError) in
            try file.write(
                bytes, at: offset, expecting: versions, within: reservation, host: host, charge: &charge)
        }
        return (written, file.size)
    }

    /// Deletes a guest_memfd file and forgets it in its VM. Its last close, which frees its
    /// pages, runs after every lock is let go.
    func deleteGuestMemfdFile(_ id: FileID, of tenantID: TenantID, expecting versions: Set<UInt64>? = nil)
        throws(GuestMemError)
    {
        guard let (tenant, file) = guestFile(id, of: tenantID) else { throw .notFound("no file \(id)") }
        var charge = Charge()
        var detached: [Consumer] = []
        let memfd = try file.remove(expecting: versions, charge: &charge, detached: &detached)
        maps.withLock { maps in
            _ = maps.guestFiles.removeValue(forKey: id)
            maps.tenants[tenantID]?.fileIDs.remove(id)
            for consumer in detached { maps.keepDetached(consumer) }
        }
        unbind(detached)
        maps.withLock { $0.vms[file.vm] }?.forget(id)
        tenant.settle(charge)
        memfd.close()
    }

    /// Reserves up to `worstCase` bytes of the tenant's headroom, all of them locked (guest_memfd
    /// memory is unevictable), runs `body` with it and settles what the extent map changed.
    private func reserving<Result>(
        _ worstCase: Int64, for tenant: Tenant,
        _ body: (Reservation, inout Charge) throws(GuestMemError) -> Result
    ) throws(GuestMemError) -> Result {
        let reservation = tenant.reserve(upTo: worstCase, isLocked: true)
        var charge = Charge()
        defer { tenant.settle(charge, releasing: reservation) }
        return try body(reservation, &charge)
    }
}
