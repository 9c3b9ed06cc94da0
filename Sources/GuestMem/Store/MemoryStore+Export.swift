package import SystemPackage

/// Descriptors that leave gmemd (process consumers) and come in (adopted memfds): the 2021
/// proposal's "hand the fd to the consumer" and its memfd_register_guest. Which connection may
/// carry them is the server's business; here a descriptor is a `FileDescriptor` the caller closes.
extension MemoryStore {
    /// Attaches a process consumer and opens its first descriptor, in one step: if the
    /// descriptor cannot be opened, the consumer is detached again. A guest_memfd file and an
    /// inaccessible one are refused with EPERM (the kernel's answer for their content), before
    /// anything changes; everything else as `attach`. The consumer and its first descriptor are
    /// journaled in one record, with the receipt `receipt` makes (as for `attach`).
    package func attachProcess(
        _ request: ConsumerRequest, to fileID: FileID, of tenantID: TenantID,
        receipt: ((ConsumerSnapshot) -> CreationReceipt?)? = nil
    ) throws(GuestMemError) -> (ConsumerSnapshot, FileDescriptor) {
        guard request.kind == .process else {
            throw .invalid("only a process consumer receives a descriptor", errno: .invalidArgument)
        }
        let (tenant, file) = try lookup(fileID, of: tenantID)
        try file.withState { (state) throws(GuestMemError) in try ManagedFile.requireExportable(state, file) }
        var attached: ConsumerID?
        do {
            return try creating(
                in: file, receipt: Self.naming(receipt) { .consumer($0.id) }.map { made in { made($0.0) } },
                unsaved: { try? $0.1.close() }
            ) { () throws(GuestMemError) -> (ConsumerSnapshot, FileDescriptor) in
                let consumer = try attach(request, to: file, of: tenant)
                attached = consumer.id
                let fd = try file.openDescriptor(request.access, for: consumer)
                return (consumer.snapshot(), fd)
            }
        } catch {
            if let attached { try? detach(attached, of: tenantID) }
            throw error
        }
    }

    /// Another descriptor for a process consumer (a VMM that restarted asks again), with the
    /// access it was attached with; see `ManagedFile.openDescriptor` for what refuses it.
    package func handOutDescriptor(_ id: ConsumerID, of tenantID: TenantID) throws(GuestMemError)
        -> (ConsumerSnapshot, FileDescriptor)
    {
        let consumer = try lookup(id, of: tenantID)
        guard let access = consumer.access else {
            throw .invalid("only a process consumer receives a descriptor", errno: .invalidArgument)
        }
        let fd = try consumer.file.openDescriptor(access, for: consumer)
        // Not `changing`: a descriptor the journal does not know of must not leave.
        do {
            try journal(consumer.file)
        } catch {
            try? fd.close()
            throw error
        }
        return (consumer.snapshot(), fd)
    }

    /// Takes in a memfd a process made, as a file of `tenantID` from now on: its size, seals
    /// and allocation as the kernel reports them, counted against the tenant's limits, which
    /// refuse it (nothing changed, the descriptor closed) when it does not fit. Anything but a
    /// memfd open for reading and writing is refused with EINVAL and the reason. `receipt` as
    /// for `createFile`.
    package func adoptFile(
        for tenantID: TenantID, name: String, descriptor: FileDescriptor,
        receipt: ((FileSnapshot) -> CreationReceipt?)? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        let claim: DescriptorClaim
        do {
            claim = try descriptors.claim(for: "adopt")
        } catch {
            try? descriptor.close()  // refused: the descriptor is closed, as for every refusal
            throw error
        }
        let memfd = Memfd(adopting: descriptor, claim: claim)
        let tenant = try tenant(tenantID)
        try features.require(.memfd)
        if let why = memfd.adoptionRefusal() { throw .invalid(why, errno: .invalidArgument) }
        let status = try kernel("fstat") { () throws(Errno) in try memfd.status() }
        try tenant.reserveFile()
        let reservation = tenant.reserve(upTo: status.allocatedBytes, isLocked: false)
        var charge = Charge()
        defer { tenant.settle(charge, releasing: reservation, releasingFile: true) }
        guard reservation.bytes >= status.allocatedBytes else {
            throw .quotaExceeded(
                "tenant limit max_bytes: the memfd's \(status.allocatedBytes) allocated bytes do not fit")
        }
        let seals = try kernel("fcntl(F_GET_SEALS)") { () throws(Errno) in try memfd.seals() }
        let flags = FileFlags(allowSealing: !seals.contains(.seal), hugetlb: memfd.isHugetlb)
        let file = ManagedFile(
            id: .random(), tenant: tenantID, name: name, flags: flags, memfd: memfd, status: status,
            seals: seals, whileAllocating: whileAllocating)
        try file.withState { (state) throws(GuestMemError) in state.isExported = true }
        try file.recountDrifting(&charge)
        return try publish(file, of: tenantID, &charge, receipt: receipt)
    }

    /// Books what was allocated or freed behind gmemd's back in `tenantID`'s files whose figures
    /// can drift (exported or mapped) since gmemd last looked, so that its usage is what the
    /// kernel says.
    func recountDrifting(of tenantID: TenantID) throws(GuestMemError) {
        let (tenant, files) = try maps.withLock { (maps) throws(GuestMemError) -> (Tenant, [ManagedFile]) in
            guard let entry = maps.tenants[tenantID] else { throw .notFound("no tenant \(tenantID)") }
            return (entry.tenant, entry.fileIDs.all.compactMap { maps.files[$0] })
        }
        var charge = Charge()
        defer { tenant.settle(charge) }
        for file in files { try? file.recountDrifting(&charge) }
    }
}
