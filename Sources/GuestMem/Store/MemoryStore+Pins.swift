extension MemoryStore {
    /// Pins `range` for a consumer (get_lock_pfn); see `ManagedFile.pin` for the rules. The
    /// tenant's headroom is reserved first: the allocation's worst case in bytes, the pin's
    /// length in locked bytes; the file's lock then takes what the pin really needs. `receipt`
    /// makes the receipt of a request with an idempotency key from the new pin, journaled with it.
    package func pin(
        _ range: ByteRange, allocate: Bool, for id: ConsumerID, of tenantID: TenantID,
        receipt: ((PinSnapshot) -> CreationReceipt?)? = nil
    ) throws(GuestMemError) -> PinSnapshot {
        let consumer = try lookup(id, of: tenantID)
        let file = consumer.file
        return try creating(in: file, receipt: Self.naming(receipt) { .pin($0.id, of: id) }) {
            () throws(GuestMemError) -> PinSnapshot in
            let tenant = try tenant(tenantID)
            let reservation = tenant.reserve(
                upToBytes: allocate ? file.worstCase(range) : 0, upToLockedBytes: range.length)
            var charge = Charge()
            defer { tenant.settle(charge, releasing: reservation) }
            return try file.pin(
                range, for: consumer, allocate: allocate, within: reservation, host: host, charge: &charge)
        }
    }

    /// A consumer's pins: the live ones, then the revoked and released ones still kept.
    package func pins(of id: ConsumerID, of tenantID: TenantID) throws(GuestMemError) -> [PinSnapshot] {
        try lookup(id, of: tenantID).pins()
    }

    /// One pin of a consumer.
    package func pin(_ pinID: PinID, of id: ConsumerID, of tenantID: TenantID) throws(GuestMemError)
        -> PinSnapshot
    {
        guard let pin = try lookup(id, of: tenantID).pin(pinID) else { throw .notFound("no pin \(pinID)") }
        return pin
    }

    /// Unpins (put_unlock_pfn): the pages go into the file's dirty log. A revoked or released pin
    /// is gone.
    package func unpin(_ pinID: PinID, of id: ConsumerID, of tenantID: TenantID) throws(GuestMemError) {
        try changing(consumer: id, of: tenantID) { (consumer) throws(GuestMemError) in
            let tenant = try tenant(tenantID)
            var charge = Charge()
            defer { tenant.settle(charge) }
            try consumer.file.unpin(pinID, of: consumer, charge: &charge)
        }
    }

    /// A file's dirty log: pages written or unpinned since the last clear; with `clear`, read
    /// and emptied at once.
    package func dirtyLog(of fileID: FileID, of tenantID: TenantID, clear: Bool) throws(GuestMemError)
        -> DirtyLog
    {
        guard clear else { return try lookup(fileID, of: tenantID).1.dirtyLog(clear: false) }
        return try changing(fileID, of: tenantID) { (_, file) throws(GuestMemError) in
            try file.dirtyLog(clear: true)
        }
    }
}
