/// Idempotency receipts (CreationReceipt): a call that creates a file, a consumer or a pin for a
/// request with an idempotency key gets from Server how to make the request's answer, and writes
/// it into the file's journal record in the same line that first shows the object, before the
/// call returns. So after a kill -9 the retry finds the receipt wherever it finds the object.
/// GuestMem keeps receipts without reading them; Server decides what they mean.
extension MemoryStore {
    /// Runs `change` on `file` and journals the file, as `changing` does. With `made`, the
    /// file's journal lock is held across both and the record carries the receipt `made` gives
    /// for the change's result. `unsaved` gets the result if the record could not be written.
    func creating<R: Sendable>(
        in file: ManagedFile, receipt made: ((R) -> ObjectReceipt?)?, unsaved: (R) -> Void = { _ in },
        _ change: () throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        guard let made, let journal, !file.isGuestMemfd else {
            return try journaling(file, unsaved: unsaved, change)
        }
        do {
            return try file.journal(to: journal, after: change, receipt: made, unsaved: unsaved)
        } catch {
            try? journalIfAwaited(file)
            throw error
        }
    }

    /// `made`, each receipt naming the object `object` finds in what the receipt is made of.
    static func naming<Made>(
        _ made: ((Made) -> CreationReceipt?)?, _ object: @escaping (Made) -> CreatedObject
    ) -> ((Made) -> ObjectReceipt?)? {
        made.map { made in { created in made(created).map { ObjectReceipt(object(created), $0) } } }
    }

    /// Whether `object` of `tenantID` still exists: a file not deleted, a consumer still
    /// attached, a live pin (not unpinned, revoked or released), a VM. A receipt of an object
    /// that is gone would name something that no longer is.
    package func holds(_ object: CreatedObject, of tenantID: TenantID) -> Bool {
        switch object {
        case .file(let id): (try? lookup(id, of: tenantID)) != nil
        case .consumer(let id): (try? lookup(id, of: tenantID)).map { !$0.isDetached } ?? false
        case .pin(let id, let consumer): (try? lookup(consumer, of: tenantID))?.pin(id)?.state == .live
        case .vm(let id): (try? heldVM(id, of: tenantID)) != nil
        }
    }
}
