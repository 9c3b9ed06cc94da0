import SystemPackage

/// A memfd file's journal record (FileRecord): taken under the state lock, written under
/// `journalLock`. Every write takes a fresh record inside that lock, so the record on disk is
/// never older than the change of any caller whose write has returned; a deletion takes the
/// same lock, so no write that comes after it brings a deleted file's record back.
extension ManagedFile {
    /// The record as it is now; nil for a guest_memfd, which cannot outlive the process that made
    /// its VM, and once deleted.
    func record(_ state: borrowing State) throws(GuestMemError) -> FileRecord? {
        guard case .memfd(let flags) = backend, !state.isDeleted, let reader = state.reader else {
            return nil
        }
        let snapshot = try snapshot(state)
        let inode = try kernel("fstat") { () throws(Errno) in try reader.status().inode }
        return FileRecord(
            id: id, tenant: tenant, name: name, flags: flags, seals: snapshot.seals, size: snapshot.size,
            version: state.version, createdAt: createdAt, updatedAt: state.updatedAt, inode: inode,
            isExported: state.isExported, consumers: state.consumers.attached.map { $0.record() },
            consumersRevision: state.consumers.revision, dirty: state.consumers.dirty.ranges.ranges,
            dirtyGranularity: state.consumers.dirty.isExact ? nil : state.consumers.dirty.granule)
    }

    /// Writes the record as it is now, after a change and before that change answers.
    func journal(to journal: any FileJournal) throws(GuestMemError) {
        try journalLock.withLock { _ throws(GuestMemError) -> Void in
            let now = try state.withLock { (state) throws(GuestMemError) -> FileRecord? in try record(state) }
            if let now { try journal.changed(now) }
        }
    }

    /// A new file, before anyone can see it: its memfd goes to be kept outside gmemd, then its
    /// record is written.
    func keep(in journal: any FileJournal) throws(GuestMemError) {
        try journalLock.withLock { _ throws(GuestMemError) -> Void in
            let found = try state.withLock { (state) throws(GuestMemError) -> (FileRecord, FileDescriptor)? in
                guard let reader = state.reader, let made = try record(state) else { return nil }
                return (made, reader.fd)
            }
            // Unpublished, the file cannot be deleted meanwhile: its fd stays open.
            if let (record, descriptor) = found { try journal.kept(record, descriptor: descriptor) }
        }
    }

    /// The file is deleted (`isDeleted` set): its record goes.
    func forget(in journal: any FileJournal) {
        guard !isGuestMemfd else { return }
        journalLock.withLock { _ in journal.removed(id) }
    }
}
