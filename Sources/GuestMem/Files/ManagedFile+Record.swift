import SystemPackage

/// A memfd file's journal record (FileRecord): taken under the state lock, written under
/// `journalLock`. Every write takes a fresh record inside that lock, so the record on disk is
/// never older than the change of any caller whose write has returned; a deletion takes the
/// same lock, so no write that comes after it brings a deleted file's record back. Readers see a
/// consumer's events past its seq lease only once a line renewing it is written (Consumer+Lease).
extension ManagedFile {
    /// The record as it is now, renewing `renewals`; nil once deleted. Its cost does not grow
    /// with the consumers while none comes, goes or changes its pins (`State.consumerRecords`).
    /// A guest_memfd's names its VM and no consumer (FileRecord.vm).
    func record(_ state: inout State, renewing renewals: [LeaseRenewal] = []) throws(GuestMemError)
        -> FileRecord?
    {
        guard !state.isDeleted else { return nil }
        if case .guestMemfd(let vm, let size, let flags) = backend {
            return FileRecord(
                id: id, tenant: tenant, name: name,
                flags: FileFlags(allowSealing: false, mmap: flags.mmap, initShared: flags.initShared),
                seals: state.serviceSeals, size: size, version: state.version, createdAt: createdAt,
                updatedAt: state.updatedAt, inode: 0, isExported: false, consumers: [], dirty: [], vm: vm)
        }
        guard case .memfd(let flags) = backend, let reader = state.reader else { return nil }
        let snapshot = try snapshot(state)
        let inode = try kernel("fstat") { () throws(Errno) in try reader.status().inode }
        let revision = state.consumers.revision
        var consumers =
            if let kept = state.consumerRecords, kept.revision == revision { kept.records } else {
                state.consumers.attached.map { $0.record() }
            }
        var renewed: [ConsumerID: UInt64] = [:]
        if !renewals.isEmpty {
            let index = Dictionary(uniqueKeysWithValues: consumers.indices.map { (consumers[$0].id, $0) })
            for renewal in renewals {
                guard let at = index[renewal.consumer.id] else { continue }
                // Never below a seq readers saw: at least its newest seq, to which the consumer's
                // own lease was brought down when this was proposed.
                consumers[at].seqLease = renewal.lease
                renewed[renewal.consumer.id] = renewal.lease
            }
        }
        state.consumerRecords = (revision, consumers)
        var record = FileRecord(
            id: id, tenant: tenant, name: name, flags: flags, seals: snapshot.seals, size: snapshot.size,
            version: state.version, createdAt: createdAt, updatedAt: state.updatedAt, inode: inode,
            isExported: state.isExported, consumers: consumers, consumersRevision: revision,
            leaseRenewals: renewed, dirty: state.consumers.dirty.ranges.ranges,
            dirtyGranularity: state.consumers.dirty.isExact ? nil : state.consumers.dirty.granule)
        record.dirtyAdded = state.consumers.dirty.takeAddedSinceRecord()
        return record
    }

    /// Writes the record as it is now, after a change and before that change answers, renewing
    /// the leases its events wait for; then readers see those events. With `settling`, every
    /// consumer's lease comes down to its newest seq instead, and the version lease to the
    /// version (a clean stop's last line). With `versionOnly`, for a change that altered nothing
    /// of the record but the version and update time, no line is written when the last one holds
    /// all the rest (ManagedFile+VersionLease).
    func journal(to journal: any FileJournal, settling: Bool = false, versionOnly: Bool = false)
        throws(GuestMemError)
    {
        try journalLock.withLock { _ throws(GuestMemError) -> Void in
            try write(to: journal, settling: settling, versionOnly: versionOnly)
        }
    }

    /// Runs `change` with the journal lock held, then writes the record as it is now (as
    /// `journal(to:)` does) with the receipt `made` gives for what the change created: no record
    /// of this file, the change's or another's, shows that object without its receipt. If the
    /// write fails, `unsaved` gets the change's result (to close a descriptor that must not leave).
    func journal<R: Sendable>(
        to journal: any FileJournal, after change: () throws(GuestMemError) -> R,
        receipt made: (R) -> ObjectReceipt?, unsaved: (R) -> Void
    ) throws(GuestMemError) -> R {
        try journalLock.withLock { _ throws(GuestMemError) -> R in
            let result = try change()
            do throws(GuestMemError) {
                try write(to: journal, receipts: made(result).map { [$0] } ?? [])
            } catch {
                unsaved(result)
                throw error
            }
            return result
        }
    }

    /// The write of `journal(to:)`, with `journalLock` held; the record carries `receipts`. With
    /// `reserving`, it reserves a version (`reserveVersion`), writing a line only when the lease
    /// has no room left for it.
    func write(
        to journal: any FileJournal, settling: Bool = false, versionOnly: Bool = false,
        reserving: Bool = false,
        receipts: [ObjectReceipt] = []
    ) throws(GuestMemError) {
        let taken = try state.withLock {
            (state) throws(GuestMemError) -> (FileRecord, [LeaseRenewal], RecordMark)? in
            if reserving {
                if Self.reserveUnderLease(&state) { return nil }
                state.versionsReserved += 1
            }
            guard !state.isDeleted else { return nil }
            let mark = RecordMark(state)
            if versionOnly, !state.consumers.isAwaitingLease, state.journaledMark == mark {
                return nil
            }
            let renewals = settling ? state.consumers.settleLeases() : state.consumers.takeLeaseRenewals()
            if settling, renewals.isEmpty, state.versionLease == Self.nextVersionLease(state, settling: true)
            {
                return nil
            }
            guard var now = try record(&state, renewing: renewals) else {
                state.consumers.awaitLease(renewals.map(\.consumer))
                return nil
            }
            now.versionLease = Self.nextVersionLease(state, settling: settling)
            return (now, renewals, mark)
        }
        guard let (record, renewals, mark) = taken else { return }
        var now = record
        now.receipts = receipts
        do throws(GuestMemError) {
            try journal.changed(now)
        } catch {
            state.withLock {
                $0.consumers.awaitLease(renewals.map(\.consumer))
                $0.consumers.dirty.recordWasLost()
                $0.journaledMark = nil
                if reserving { $0.versionsReserved -= 1 }
            }
            throw error
        }
        state.withLock { state in
            state.journaledMark = mark
            // A settling line brings the lease down: no change runs any more.
            state.versionLease = settling ? record.versionLease : max(state.versionLease, record.versionLease)
        }
        for renewal in renewals { renewal.consumer.grant(renewal.lease) }
    }

    /// A new file, before anyone can see it: a memfd goes to be kept outside gmemd, then its
    /// record is written, with `receipt` when a request with an idempotency key made it. A
    /// guest_memfd's record is written alone, and never again until it goes: a restart can only
    /// report it lost.
    func keep(in journal: any FileJournal, receipt: ObjectReceipt? = nil) throws(GuestMemError) {
        try journalLock.withLock { _ throws(GuestMemError) -> Void in
            let found = try state.withLock {
                (state) throws(GuestMemError) -> (FileRecord, FileDescriptor?, RecordMark)? in
                guard var made = try record(&state) else { return nil }
                made.receipts = receipt.map { [$0] } ?? []
                if !isGuestMemfd { made.versionLease = Self.nextVersionLease(state, settling: false) }
                return (made, state.reader?.fd, RecordMark(state))
            }
            // Unpublished, the file cannot be deleted meanwhile: its fd stays open.
            switch found {
            case let (record, descriptor?, _)?: try journal.kept(record, descriptor: descriptor)
            case let (record, nil, _)?: try journal.changed(record)
            case nil: return
            }
            if let (record, _, mark) = found {
                state.withLock { ($0.versionLease, $0.journaledMark) = (record.versionLease, mark) }
            }
        }
    }

    /// The file is deleted (`isDeleted` set): its record goes, and then readers see the events its
    /// consumers were waiting to show (the delete's `invalidate` and `detached`): no restart
    /// brings those consumers back to give their seqs again.
    func forget(in journal: any FileJournal) {
        journalLock.withLock { _ in
            journal.removed(id)
            let waiting = state.withLock { $0.consumers.takeAwaitingLease() }
            for consumer in waiting { consumer.grant(.max) }
        }
    }
}
