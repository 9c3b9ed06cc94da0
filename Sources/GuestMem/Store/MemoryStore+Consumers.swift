/// Consumers: attach, look up, list, detach. A detached consumer stays readable (its events end
/// with `detached`) until `keptDetached` newer ones of its tenant have detached, so a reader that
/// was away when its file was deleted still learns why.
extension MemoryStore {
    /// Detached consumers kept per tenant for their readers; older ones answer notFound.
    package static let keptDetached = 64

    /// Attaches a consumer to a file, counted against the tenant's `maxConsumers` (EDQUOT past
    /// it). Its range must be whole pages of the file (EINVAL); see `ConsumerTable.attach` for
    /// what refuses it. A kvm consumer with a binding also gets a memslot (MemoryStore+KVMConsumers).
    /// `receipt` makes the receipt of a request with an idempotency key from the new consumer,
    /// journaled with it.
    package func attach(
        _ request: ConsumerRequest, to fileID: FileID, of tenantID: TenantID,
        receipt: ((ConsumerSnapshot) -> CreationReceipt?)? = nil
    ) throws(GuestMemError) -> ConsumerSnapshot {
        let (tenant, file) = try lookup(fileID, of: tenantID)
        return try creating(in: file, receipt: Self.naming(receipt) { .consumer($0.id) }) {
            () throws(GuestMemError) in try attach(request, to: file, of: tenant).snapshot()
        }
    }

    /// Attaches a consumer to `file`, unjournaled: the caller journals the file.
    func attach(_ request: ConsumerRequest, to file: ManagedFile, of tenant: Tenant)
        throws(GuestMemError) -> Consumer
    {
        let tenantID = tenant.id
        let range = try Self.range(of: request, unit: file.allocationUnit)
        try tenant.reserveConsumer()
        var charge = Charge()
        var metadata: Reservation?
        defer { tenant.settle(charge, releasing: metadata, releasingConsumer: true) }
        let make = { (range: ByteRange, isOpenEnded: Bool, binding: KVMBinding?) in
            Consumer(
                id: .random(), tenant: tenantID, file: file, kind: request.kind, label: request.label,
                range: range, isOpenEnded: isOpenEnded, isExclusive: request.isExclusive, binding: binding,
                access: request.kind == .process ? request.access : nil, backlog: self.eventBacklog,
                isJournaled: self.journal != nil && !file.isGuestMemfd)
        }
        let consumer: Consumer
        if let bound = request.binding {
            metadata = try reserveMemslotMetadata(
                of: tenant, for: range, isOpenEnded: request.length == nil, in: file)
            // A slot has a size: an open-ended range is bound, and heard about, to the file's end.
            consumer = try attach(
                request.kind, bound: bound, range, isOpenEnded: request.length == nil, to: file, of: tenantID
            ) { binding, range in make(range, false, binding) }
            charge.lockedBytes = consumer.memslotMetadataBytes
        } else {
            consumer = make(range, request.length == nil, nil)
            try file.attach(consumer)
        }
        charge.consumers = 1
        maps.withLock { maps in
            // A delete of the file or the tenant may have detached it already; then that delete
            // keeps it, or the tenant is gone and nothing should.
            guard !consumer.isDetached, maps.tenants[tenantID] != nil else { return }
            maps.consumers[consumer.id] = consumer
            maps.tenants[tenantID]?.consumerIDs.insert(consumer.id)
        }
        return consumer
    }

    /// Sets aside the locked bytes the memslot of `range` will cost the kernel
    /// (`Memslot.metadataBytes`), or refuses with EDQUOT: a 512 GiB binding of a sparse memfd is
    /// 1.25 GiB of kernel memory however little of it is allocated.
    private func reserveMemslotMetadata(
        of tenant: Tenant, for range: ByteRange, isOpenEnded: Bool, in file: ManagedFile
    ) throws(GuestMemError) -> Reservation {
        let length = isOpenEnded ? max(try file.snapshot().size - range.offset, 0) : range.length
        let cost = Memslot.metadataBytes(length: length)
        let reservation = tenant.reserve(upToBytes: 0, upToLockedBytes: cost)
        guard reservation.lockedBytes >= cost else {
            tenant.settle(Charge(), releasing: reservation)
            throw .quotaExceeded(
                "a memslot of \(length) bytes costs the kernel \(cost) bytes of metadata, counted as locked; "
                    + "max_locked_bytes leaves \(reservation.lockedBytes)")
        }
        return reservation
    }

    /// The consumers attached to a file now, oldest first.
    package func consumers(of fileID: FileID, of tenantID: TenantID) throws(GuestMemError)
        -> [ConsumerSnapshot]
    {
        try lookup(fileID, of: tenantID).1.attachedConsumers().map { $0.snapshot() }
    }

    /// One consumer, attached or recently detached.
    package func consumer(_ id: ConsumerID, of tenantID: TenantID) throws(GuestMemError) -> ConsumerSnapshot {
        try lookup(id, of: tenantID).snapshot()
    }

    /// Detaches a consumer: its memslot, if bound, is deleted first, then its pins are released
    /// (their pages marked dirty) and it gets its final `detached` event. Detaching a detached
    /// consumer changes nothing.
    package func detach(_ id: ConsumerID, of tenantID: TenantID) throws(GuestMemError) {
        try changing(consumer: id, of: tenantID) { (consumer) throws(GuestMemError) in
            let tenant = try tenant(tenantID)
            unbind([consumer])
            var charge = Charge()
            guard consumer.file.detach(consumer, charge: &charge) else { return }
            tenant.settle(charge)
            maps.withLock { $0.keepDetached(consumer) }
        }
    }

    /// The consumer `id` of tenant `tenantID`, or notFound, also for another tenant's.
    func lookup(_ id: ConsumerID, of tenantID: TenantID) throws(GuestMemError) -> Consumer {
        guard let consumer = maps.withLock({ $0.consumers[id] }), consumer.tenant == tenantID else {
            throw .notFound("no consumer \(id)")
        }
        return consumer
    }

    /// The range a request asks for: whole pages of `unit`, from `offset` for `length` bytes or
    /// to the end of any file.
    private static func range(of request: ConsumerRequest, unit: Int64) throws(GuestMemError) -> ByteRange {
        let range =
            if let length = request.length {
                try ByteRange(offset: request.offset, length: length)
            } else {
                try ByteRange.openEnded(from: request.offset)
            }
        guard request.offset % unit == 0, (request.length ?? 0) % unit == 0 else {
            throw .invalid("a consumer's range takes whole pages of \(unit) bytes", errno: .invalidArgument)
        }
        return range
    }
}

extension MemoryStore.Maps {
    /// Keeps a detached consumer readable, forgetting its tenant's oldest detached one past
    /// `keptDetached`.
    mutating func keepDetached(_ consumer: Consumer) {
        guard tenants[consumer.tenant] != nil else { return }
        consumers[consumer.id] = consumer
        tenants[consumer.tenant]?.consumerIDs.insert(consumer.id)
        tenants[consumer.tenant]?.detachedConsumers.append(consumer.id)
        while let count = tenants[consumer.tenant]?.detachedConsumers.count, count > MemoryStore.keptDetached
        {
            guard let oldest = tenants[consumer.tenant]?.detachedConsumers.removeFirst() else { break }
            consumers[oldest] = nil
            tenants[consumer.tenant]?.consumerIDs.remove(oldest)
        }
    }
}
