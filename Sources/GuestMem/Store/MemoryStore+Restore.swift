package import SystemPackage

/// Files that outlive gmemd: a memfd that comes back after a restart (from the service manager's
/// fd store, or inherited across a re-exec) is taken back under its journal record.
extension MemoryStore {
    /// Takes back `descriptor` as the file `record` describes. It must be a memfd of the same
    /// inode and, unless its descriptor had left gmemd (whose holders may resize or seal it), of
    /// the journaled size and kernel seals; else it is refused (invalid, the descriptor closed)
    /// with the reason, and nothing changes. A record of a tenant that is gone is notFound: that
    /// tenant's removal was under way. The file comes back with its id, name, flags, seals,
    /// version (past its lease, at the restart's time, unless a clean stop settled the lease:
    /// ManagedFile+VersionLease), times, dirty log and attached consumers (their pins, their event sequence going on
    /// after the journaled seq lease, Consumer+Lease); a kvm consumer bound as a memslot comes
    /// back detached (reason restart), its VM being gone. Its allocation, pins and consumers are booked into the tenant
    /// as the kernel and the record say, whatever the limits now: the memory exists.
    package func restore(_ record: FileRecord, descriptor: FileDescriptor) throws(GuestMemError)
        -> FileSnapshot
    {
        let claim: DescriptorClaim
        do {
            claim = try descriptors.claim(for: "restore")
        } catch {
            try? descriptor.close()
            throw error
        }
        let memfd = Memfd(adopting: descriptor, claim: claim)
        if let why = memfd.adoptionRefusal() { throw .invalid(why, errno: .invalidArgument) }
        let status = try kernel("fstat") { () throws(Errno) in try memfd.status() }
        let seals = try kernel("fcntl(F_GET_SEALS)") { () throws(Errno) in try memfd.seals() }
        if let why = Self.mismatch(record, status, seals) { throw .invalid(why, errno: .invalidArgument) }
        let tenant = try tenant(record.tenant)
        if maps.withLock({ $0.files[record.id] != nil }) {
            throw .refused("file \(record.id) is served already", errno: .fileExists)
        }
        // Its figures as the kernel answered them just now: nothing else holds it yet.
        let file = ManagedFile(
            id: record.id, tenant: record.tenant, name: record.name, flags: record.flags, memfd: memfd,
            status: status, seals: seals, whileAllocating: whileAllocating, createdAt: record.createdAt)
        let (attached, ended, awaiting) = consumers(of: record, file)
        var charge = Charge()
        try file.withState { (state) throws(GuestMemError) in
            state.serviceSeals.formUnion(record.seals.serviceSeals)
            (state.version, state.updatedAt, state.isExported) = (
                record.resumedVersion, record.isVersionLeased ? .now() : record.updatedAt, record.isExported
            )
            state.consumers.restore(
                attached, awaitingLease: awaiting, dirty: record.dirty, granularity: record.dirtyGranularity)
            if !file.allocationIsLocked(state) {
                charge.lockedBytes += attached.reduce(0) { $0 + $1.pins().reduce(0) { $0 + $1.range.length } }
            }
        }
        charge.consumers = attached.count
        _ = try file.operating { (backing) throws(GuestMemError) -> Int64 in
            try file.recount(&backing, &charge).size
        }
        let snapshot = try publish(file, of: record.tenant, &charge, keeping: false)
        tenant.settle(charge)
        maps.withLock { maps in
            for consumer in attached {
                maps.consumers[consumer.id] = consumer
                maps.tenants[record.tenant]?.consumerIDs.insert(consumer.id)
            }
            for consumer in ended { maps.keepDetached(consumer) }
        }
        // What changed while gmemd was down (a holder's resize or seals, the bound consumers' end);
        // then their readers see the bound consumers' `detached`.
        try journal(file)
        return snapshot
    }

    /// Every memfd file's descriptor, for a process that takes them over (gmemd's re-exec): still
    /// this store's, valid while it holds the file.
    package func memfdDescriptors() -> [(FileID, Int32)] {
        let files = maps.withLock { Array($0.files.values) }
        return files.compactMap { file in
            file.state.withLock { state in
                guard !state.isDeleted, let reader = state.reader else { return nil }
                return (file.id, reader.fd.rawValue)
            }
        }
    }

    /// Why the memfd that came back is not the journaled file, or nil when it is.
    private static func mismatch(_ record: FileRecord, _ status: MemfdStatus, _ seals: SealSet) -> String? {
        if status.inode != record.inode {
            return "the descriptor is inode \(status.inode), the journal's file inode \(record.inode)"
        }
        let journaled = SealSet(rawValue: record.seals.kernelBits)
        guard !record.isExported, status.size != record.size || seals != journaled else { return nil }
        return "the memfd has size \(status.size) and kernel seals 0x\(String(seals.rawValue, radix: 16)); "
            + "the journal says \(record.size) and 0x\(String(journaled.rawValue, radix: 16))"
    }

    /// The record's consumers, made again: those that go on, and those bound in a VM, which end
    /// with `detached` (restart), `awaiting` a lease for it (Consumer+Lease).
    private func consumers(of record: FileRecord, _ file: ManagedFile) -> (
        attached: [Consumer], ended: [Consumer], awaiting: [Consumer]
    ) {
        var attached: [Consumer] = []
        var ended: [Consumer] = []
        var awaiting: [Consumer] = []
        for entry in record.consumers {
            let consumer = Consumer(
                restoring: entry, tenant: record.tenant, file: file, backlog: eventBacklog,
                isJournaled: journal != nil)
            if entry.wasBound {
                if consumer.detach(.restart)?.awaitsLease == true { awaiting.append(consumer) }
                ended.append(consumer)
            } else {
                attached.append(consumer)
            }
        }
        return (attached, ended, awaiting)
    }
}
