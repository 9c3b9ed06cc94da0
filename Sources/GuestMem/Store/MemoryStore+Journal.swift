/// The one way a call changes a file: `changing` looks it up, runs the change and journals the
/// file before the call answers, so no client hears of a change that a restart could forget.
/// A change whose journal write failed has happened, and is reported as `.unsaved`.
extension MemoryStore {
    /// Runs `change` on the file `id` of `tenantID`, then journals it. `versionOnly`: the change
    /// alters nothing a record holds but the version and update time, unless it revokes pins or
    /// its consumers' events need a lease (a punch).
    func changing<R>(
        _ id: FileID, of tenantID: TenantID, versionOnly: Bool = false,
        _ change: (Tenant, ManagedFile) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        let (tenant, file) = try lookup(id, of: tenantID)
        return try journaling(file, versionOnly: versionOnly) { () throws(GuestMemError) in
            try change(tenant, file)
        }
    }

    /// Runs `change` on the consumer `id` of `tenantID`, then journals its file.
    func changing<R>(
        consumer id: ConsumerID, of tenantID: TenantID, _ change: (Consumer) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        let consumer = try lookup(id, of: tenantID)
        return try journaling(consumer.file) { () throws(GuestMemError) in try change(consumer) }
    }

    /// Runs `change` on `file`, then journals it (with `versionOnly`, only if the last line does
    /// not hold all but the version: ManagedFile+VersionLease); `unsaved` gets the result if that
    /// write fails. The change's version is reserved under the journaled lease first.
    func journaling<R>(
        _ file: ManagedFile, versionOnly: Bool = false, unsaved: (R) -> Void = { _ in },
        _ change: () throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        guard let journal, !file.isGuestMemfd else { return try change() }
        try file.reserveVersion(in: journal)
        defer { file.releaseVersion() }
        let result: R
        do {
            result = try change()
        } catch {
            try? journalIfAwaited(file)
            throw error
        }
        do {
            try file.journal(to: journal, versionOnly: versionOnly)
        } catch {
            unsaved(result)
            throw error
        }
        return result
    }

    /// A refused change changed nothing a record holds, but one refused late (a pin whose
    /// allocation was done when its consumer turned out detached) may have recorded events: their
    /// readers see them once a line renews their leases.
    func journalIfAwaited(_ file: ManagedFile) throws(GuestMemError) {
        if file.state.withLock({ $0.consumers.isAwaitingLease }) { try journal(file) }
    }

    /// Writes `file`'s record as it is now (nothing for a guest_memfd or a deleted file).
    func journal(_ file: ManagedFile) throws(GuestMemError) {
        guard let journal, !file.isGuestMemfd else { return }
        try file.journal(to: journal)
    }

    /// A deleted file's record goes.
    func forget(_ file: ManagedFile) {
        guard let journal else { return }
        file.forget(in: journal)
    }

    /// Brings every consumer's seq lease down to its newest seq, and every file's version lease
    /// to its version, in one last line per file, so that the next gmemd goes on exactly from
    /// there (Consumer+Lease, ManagedFile+VersionLease): for a clean stop or an upgrade, once no
    /// request is left to change a file. A file whose line fails keeps its leases (its readers
    /// may then be told of a gap that no event made, and its version moves on).
    package func settleLeases() {
        guard let journal else { return }
        let files = maps.withLock { Array($0.files.values) }
        for file in files where !file.isGuestMemfd {
            try? file.journal(to: journal, settling: true)
        }
    }
}
