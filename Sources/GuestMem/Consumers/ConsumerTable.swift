/// A file's consumers and its dirty log, kept inside the file's locked state. Every method runs
/// under that lock, in the same hold as the kernel operation it reports, so each consumer sees
/// events in the order the kernel did the work (lock order: Consumer.swift). Any kind of file
/// that takes consumers keeps one of these; `pinsAreLocked` is false for a file whose every
/// allocated byte is locked already (inaccessible), where a pin adds no locked bytes.
struct ConsumerTable {
    /// Attached consumers, oldest first.
    private(set) var attached: [Consumer] = []
    /// Pages written (content PUT) or unpinned since the dirty log was last cleared.
    var dirty: DirtyPages
    /// Moves on whenever a consumer comes or goes, or its pins or descriptors change: what the
    /// journal writes again only then (between, only the seq leases it renews).
    private(set) var revision: UInt64 = 0
    /// Consumers (attached or not) with events past their seq lease: the file's next journal line
    /// renews their leases, then readers see those events (Consumer+Lease).
    private var awaitingLease: [Consumer] = []

    init(pageSize: Int64) { dirty = DirtyPages(pageSize: pageSize) }

    func contains(_ consumer: Consumer) -> Bool { attached.contains { $0 === consumer } }

    /// Why the file's pages are in use by a consumer, or nil: a live pin, or with `counting`
    /// bindings also a memslot, which maps the file for the guest. A seal the kernel refuses
    /// while pages are mapped or pinned (kernel-semantics.md W1, W8) is refused for these too.
    func pagesInUse(countingBindings: Bool) -> String? {
        for consumer in attached {
            if countingBindings, let binding = consumer.binding {
                return "consumer \(consumer.id) binds it as memslot \(binding.memslot.id) of \(binding.vm)"
            }
            let pins = consumer.livePinCount
            if pins > 0 { return "consumer \(consumer.id) holds \(pins) live pin\(pins == 1 ? "" : "s")" }
        }
        return nil
    }

    /// Adds `consumer`, refused with EPERM under `no_new_consumers`, and with EBUSY where an
    /// exclusive consumer's range overlaps the new one, or the new one is exclusive and any
    /// consumer's range overlaps it: exclusivity is per byte, as memslot bindings are (B2).
    mutating func attach(_ consumer: Consumer, seals: SealSet) throws(GuestMemError) {
        if seals.contains(.noNewConsumers) {
            throw .refused("the file is sealed no_new_consumers", errno: .notPermitted)
        }
        if let holder = attached.first(where: {
            $0.range.overlaps(consumer.range) && ($0.isExclusive || consumer.isExclusive)
        }) {
            throw .refused(
                holder.isExclusive
                    ? "consumer \(holder.id) holds this range exclusively"
                    : "an exclusive consumer needs a range no consumer holds; \(holder.id) holds part of it",
                errno: .resourceBusy)
        }
        attached.append(consumer)
        revision += 1
    }

    /// A consumer's pins or descriptors changed.
    mutating func noteChange() { revision += 1 }

    /// Takes back a consumer that was attached before gmemd restarted, with its dirty ranges:
    /// no rule is checked again, as none refused it then. `awaiting` are those the restart
    /// detached whose `detached` event waits for the file's next journal line, which no longer
    /// holds them.
    mutating func restore(
        _ consumers: [Consumer], awaitingLease awaiting: [Consumer], dirty ranges: [ByteRange],
        granularity: Int64?
    ) {
        attached += consumers
        awaitingLease += awaiting
        revision += 1
        dirty.restore(ranges, granule: granularity)
    }

    /// The leases the file's next journal line gives: `MemoryStore.seqLeaseAhead` past the newest seq of
    /// each consumer whose events wait for one. The caller gives them back (`awaitLease`) if the
    /// line is not written.
    mutating func takeLeaseRenewals() -> [LeaseRenewal] {
        let taken = awaitingLease
        awaitingLease = []
        return taken.map {
            LeaseRenewal(consumer: $0, lease: $0.proposeLease(ahead: MemoryStore.seqLeaseAhead))
        }
    }

    /// Every attached consumer's lease brought down to its newest seq (and the waiting ones'
    /// raised to it), for the last line of a clean stop: a restart then goes on from exactly
    /// there. Only those not there already.
    mutating func settleLeases() -> [LeaseRenewal] {
        let taken = attached + awaitingLease.filter { !contains($0) }
        awaitingLease = []
        return taken.compactMap { consumer in
            consumer.settleLease().map { LeaseRenewal(consumer: consumer, lease: $0) }
        }
    }

    /// Whether events wait for a lease.
    var isAwaitingLease: Bool { !awaitingLease.isEmpty }

    /// Consumers whose renewal was not written: the next line tries again.
    mutating func awaitLease(_ consumers: [Consumer]) { awaitingLease += consumers }

    /// Every consumer waiting for a lease, taken out: the file is deleted, and its removal
    /// written, so no restart can give their seqs again.
    mutating func takeAwaitingLease() -> [Consumer] {
        defer { awaitingLease = [] }
        return awaitingLease
    }

    /// Detaches `consumer`: its pins are released (put_unlock_pfn, so their pages are dirty),
    /// then it gets its final `detached` event. Answers false when it was not attached.
    mutating func detach(_ consumer: Consumer, pinsAreLocked: Bool, charge: inout Charge) -> Bool {
        guard let index = attached.firstIndex(where: { $0 === consumer }) else { return false }
        attached.remove(at: index)
        revision += 1
        guard let (released, awaits) = consumer.detach(.detach) else { return false }
        if awaits { awaitingLease.append(consumer) }
        for pin in released {
            dirty.insert(pin.range)
            if pinsAreLocked { charge.lockedBytes -= pin.range.length }
        }
        charge.consumers -= 1
        charge.lockedBytes -= consumer.memslotMetadataBytes
        return true
    }

    /// The file is going: every pin over `span` (all of them: pins lie inside the file) is
    /// revoked, every consumer hears `invalidate` (delete) over its part of `span`, then
    /// `detached`. Answers the consumers, now detached.
    mutating func detachAll(invalidating span: ByteRange?, pinsAreLocked: Bool, charge: inout Charge)
        -> [Consumer]
    {
        if let span { invalidate(span, .delete, pinsAreLocked: pinsAreLocked, charge: &charge) }
        let consumers = attached
        attached = []
        revision += 1
        for consumer in consumers {
            if consumer.detach(.delete)?.awaitsLease == true { awaitingLease.append(consumer) }
            charge.consumers -= 1
            charge.lockedBytes -= consumer.memslotMetadataBytes
        }
        return consumers
    }

    /// Tells every consumer whose range overlaps `range` about it, clipped to its own range.
    mutating func notify(over range: ByteRange, _ event: (ByteRange) -> ConsumerEvent.Kind) {
        for consumer in attached {
            if let part = range.clamped(to: consumer.range) { record(event(part), to: consumer) }
        }
    }

    private mutating func record(_ event: ConsumerEvent.Kind, to consumer: Consumer) {
        if consumer.record(event) { awaitingLease.append(consumer) }
    }

    /// The kernel freed or zeroed `range`: revokes the pins that overlap it and tells the
    /// consumers, before the file's lock is let go and so before the request answers.
    mutating func invalidate(
        _ range: ByteRange, _ reason: ConsumerEvent.InvalidateReason, pinsAreLocked: Bool,
        charge: inout Charge
    ) {
        for consumer in attached {
            let revoked = consumer.revokePins(overlapping: range)
            if !revoked.isEmpty { revision += 1 }
            for pin in revoked where pinsAreLocked {
                charge.lockedBytes -= pin.range.length
            }
        }
        notify(over: range) { .invalidate($0, reason) }
    }

    /// The size went from `before` to `after`: tells the consumers whose range overlaps the
    /// bytes that came or went.
    mutating func notifyResize(from before: Int64, to after: Int64) {
        guard before != after else { return }
        // Both sizes are in 0...Int64.max, so the span between them is a valid range.
        let span = try! ByteRange(offset: min(before, after), length: abs(after - before))
        notify(over: span) { _ in .resize(from: before, to: after) }
    }

    /// Seals were added: every consumer hears the whole set now, whatever its range.
    mutating func notifySeals(_ seals: SealSet) {
        for consumer in attached { record(.seal(seals), to: consumer) }
    }

    /// Unpins a live pin (put_unlock_pfn): its pages go into the dirty log and its locked bytes
    /// are given back. A revoked or released pin is gone; an unknown one is not found.
    mutating func unpin(_ id: PinID, of consumer: Consumer, pinsAreLocked: Bool, charge: inout Charge)
        throws(GuestMemError)
    {
        revision += 1
        switch consumer.unpin(id) {
        case .live(let pin):
            dirty.insert(pin.range)
            if pinsAreLocked { charge.lockedBytes -= pin.range.length }
        case .gone(let pin):
            let why =
                pin.state == .revoked
                ? "revoked by a punch, shrink or delete" : "released when its consumer detached"
            throw .gone("pin \(id) was \(why)")
        case .unknown:
            throw .notFound("no pin \(id)")
        }
    }

    /// The dirty log, merged; with `clear`, emptied in the same hold, so no write falls between
    /// the read and the clear (KVM_GET_DIRTY_LOG and KVM_CLEAR_DIRTY_LOG in one step).
    mutating func dirtyLog(clear: Bool) -> DirtyLog {
        let log = DirtyLog(
            pageSize: dirty.pageSize, granularity: dirty.granule, isExact: dirty.isExact,
            ranges: dirty.ranges.ranges)
        if clear { dirty.removeAll() }
        return log
    }
}
