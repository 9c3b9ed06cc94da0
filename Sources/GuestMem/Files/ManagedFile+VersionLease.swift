/// A journaled file's version lease: why a punch needs no journal line, and why a crash still never
/// lets an old ETag match.
///
/// A punch changes nothing the file's record holds but its version and update time: the
/// allocation lives in the kernel. Writing the whole record for it, and holding the answer for
/// the line's fdatasync, was a third of a punch's cost. So, as a consumer's seqs are leased
/// (Consumer+Lease), the versions are: every line the journal writes of a file holds a version
/// lease, `versionLeaseAhead` versions past the version then (and past every change under way),
/// and a restart after a crash resumes past the lease, at a version no client was ever shown.
/// A change that needs no line of its own, because it alters nothing else that the record holds
/// (`RecordMark`), renews no seq lease and carries no receipt, then writes nothing: its version
/// lies within the lease.
///
/// No version past the lease the journal holds is ever shown, even for the moment between a
/// change and its line: each change reserves its version before it runs (`reserveVersion`), and
/// a reservation that does not fit under the lease writes a line renewing it first. A clean stop
/// or an upgrade brings the lease down to the version (`MemoryStore.settleLeases`), so the next
/// gmemd goes on from exactly there; after a crash the update time is the restart's, as the last
/// change before it is not known.
extension ManagedFile {
    /// How many versions past the current one a journal line leases: one line per this many
    /// changes that need none of their own.
    static let versionLeaseAhead: UInt64 = 1024

    /// What a record holds that a change with no line of its own must leave as the last line
    /// had it, cheaply compared: the revisions of the consumers and of the dirty log, the
    /// service seals, and whether the descriptor left gmemd (then its holders may resize or seal
    /// it unseen, so every change writes its line). The size and kernel seals move only by
    /// changes that always write one.
    struct RecordMark: Equatable {
        let consumers: UInt64
        let dirty: UInt64
        let serviceSeals: SealSet
        let isExported: Bool

        init(_ state: borrowing State) {
            (consumers, dirty) = (state.consumers.revision, state.consumers.dirty.revision)
            (serviceSeals, isExported) = (state.serviceSeals, state.isExported)
        }
    }

    /// Sets aside one version for a change about to run: under the journaled lease, or past it
    /// once a line renewing the lease is written. Taken with no lock held; `releaseVersion` gives
    /// it back once the change's line is written or found needless.
    func reserveVersion(in journal: any FileJournal) throws(GuestMemError) {
        if state.withLock({ Self.reserveUnderLease(&$0) }) { return }
        try journalLock.withLock { _ throws(GuestMemError) -> Void in
            try write(to: journal, reserving: true)
        }
    }

    func releaseVersion() {
        state.withLock { $0.versionsReserved -= 1 }
    }

    /// Reserves a version if one more fits under the journaled lease.
    static func reserveUnderLease(_ state: inout State) -> Bool {
        // version + reserved < lease, written so that it cannot overflow.
        guard state.versionLease > state.version, state.versionLease - state.version > state.versionsReserved
        else { return false }
        state.versionsReserved += 1
        return true
    }

    /// The lease the next line of the file holds: every version the changes under way may take,
    /// and `versionLeaseAhead` more; with `settling`, none more.
    static func nextVersionLease(_ state: borrowing State, settling: Bool) -> UInt64 {
        state.version + state.versionsReserved + (settling ? 0 : versionLeaseAhead)
    }
}
