extension MemoryStore {
    /// The seals now set on a file.
    package func seals(_ id: FileID, of tenantID: TenantID) throws(GuestMemError) -> SealSet {
        if let (_, guest) = guestFile(id, of: tenantID) { return try guest.snapshot().seals }
        return try lookup(id, of: tenantID).1.seals()
    }

    /// Adds seals, all or none; see `MemoryFile.addSeals(_:expecting:)` for the order of the
    /// checks. `versions`, when given, must hold the current version.
    package func addSeals(
        _ seals: SealSet, to id: FileID, of tenantID: TenantID, expecting versions: Set<UInt64>? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        if let (_, guest) = guestFile(id, of: tenantID) {
            return try guest.addSeals(seals, expecting: versions)
        }
        return try lookup(id, of: tenantID).1.addSeals(seals, expecting: versions)
    }

    /// Allocates or punches `range`. An allocation that would cross the tenant's limits
    /// (EDQUOT) or the host's reserve (ENOMEM) is refused before fallocate(2) runs. `versions`,
    /// when given, must hold the current version.
    package func fallocate(
        _ id: FileID, of tenantID: TenantID, mode: FallocateMode, range: ByteRange,
        expecting versions: Set<UInt64>? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        if let (tenant, guest) = guestFile(id, of: tenantID) {
            return try fallocate(guest, of: tenant, mode: mode, range: range, expecting: versions)
        }
        let (tenant, file) = try lookup(id, of: tenantID)
        switch mode {
        case .punchHole:
            var charge = Charge()
            defer { tenant.settle(charge) }
            return try file.punchHole(range, expecting: versions, charge: &charge)
        case .allocate(let keepSize):
            return try allocating(file.worstCase(range), in: file, of: tenant) {
                (reservation, charge) throws(GuestMemError) in
                try file.allocate(
                    range, keepSize: keepSize, expecting: versions, within: reservation, host: host,
                    charge: &charge)
            }
        }
    }

    /// Reserves up to `worstCase` bytes of the tenant's headroom, runs `body` under the file's
    /// lock with it, and settles what the kernel counted. `body` answers nil when the file
    /// became inaccessible since the reservation (its bytes are then locked): reserve again.
    func allocating<Result>(
        _ worstCase: Int64, in file: MemoryFile, of tenant: Tenant,
        _ body: (Reservation, inout Charge) throws(GuestMemError) -> Result?
    ) throws(GuestMemError) -> Result {
        while true {
            let reservation = tenant.reserve(upTo: worstCase, isLocked: file.isInaccessible)
            var charge = Charge()
            defer { tenant.settle(charge, releasing: reservation) }
            if let result = try body(reservation, &charge) { return result }
        }
    }
}
