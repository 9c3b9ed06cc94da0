extension MemoryStore {
    /// The seals now set on a file. Waits for no running operation.
    package func seals(_ id: FileID, of tenantID: TenantID) throws(GuestMemError) -> SealSet {
        try lookup(id, of: tenantID).1.snapshot().seals
    }

    /// Adds seals, all or none; see `ManagedFile.addSeals(_:expecting:)` for the order of the
    /// checks. `versions`, when given, must hold the current version.
    package func addSeals(
        _ seals: SealSet, to id: FileID, of tenantID: TenantID, expecting versions: Set<UInt64>? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        try changing(id, of: tenantID) { (_, file) throws(GuestMemError) in
            try file.addSeals(seals, expecting: versions)
        }
    }

    /// Allocates or punches `range`. An allocation that would cross the tenant's limits
    /// (EDQUOT) or the host's reserve (ENOMEM) is refused before fallocate(2) runs. `versions`,
    /// when given, must hold the current version.
    package func fallocate(
        _ id: FileID, of tenantID: TenantID, mode: FallocateMode, range: ByteRange,
        expecting versions: Set<UInt64>? = nil
    ) throws(GuestMemError) -> FileSnapshot {
        // A punch changes only the allocation (the kernel's) of what a record holds, unless it
        // revokes a pin: it writes a journal line only when the version lease runs out.
        try changing(id, of: tenantID, versionOnly: mode == .punchHole) {
            (tenant, file) throws(GuestMemError) in
            let worstCase = mode == .punchHole ? 0 : file.worstCase(range)
            return try allocating(worstCase, in: file, of: tenant) {
                (reservation, charge) throws(GuestMemError) in
                try file.fallocate(
                    mode, range, expecting: versions, within: reservation, host: host, charge: &charge)
            }
        }
    }

    /// The one reserve check before anything that may allocate: sets aside up to `worstCase`
    /// bytes of the tenant's headroom (locked ones too where the file's memory is locked), runs
    /// `body` with it, and settles what the kernel counted. `body` answers nil when the file's
    /// memory turned locked since the reservation (the inaccessible seal): reserve again.
    func allocating<Result>(
        _ worstCase: Int64, in file: ManagedFile, of tenant: Tenant,
        _ body: (Reservation, inout Charge) throws(GuestMemError) -> Result?
    ) throws(GuestMemError) -> Result {
        while true {
            let reservation = tenant.reserve(upTo: worstCase, isLocked: file.allocationIsLocked)
            var charge = Charge()
            defer { tenant.settle(charge, releasing: reservation) }
            if let result = try body(reservation, &charge) { return result }
        }
    }
}
