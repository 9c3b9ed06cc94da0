/// The one way a call changes a file: `changing` looks it up, runs the change and journals the
/// file before the call answers, so no client hears of a change that a restart could forget.
/// A change whose journal write failed has happened, and is reported as `.unsaved`.
extension MemoryStore {
    /// Runs `change` on the file `id` of `tenantID`, then journals it.
    func changing<R>(
        _ id: FileID, of tenantID: TenantID, _ change: (Tenant, ManagedFile) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        let (tenant, file) = try lookup(id, of: tenantID)
        let result = try change(tenant, file)
        try journal(file)
        return result
    }

    /// Runs `change` on the consumer `id` of `tenantID`, then journals its file.
    func changing<R>(
        consumer id: ConsumerID, of tenantID: TenantID, _ change: (Consumer) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        let consumer = try lookup(id, of: tenantID)
        let result = try change(consumer)
        try journal(consumer.file)
        return result
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
}
