/// A journaled consumer's seq lease: why a crash never makes gmemd give a seq twice.
///
/// A punch records its events (and wakes their readers) inside the change, and the file's journal
/// line is appended after it. Were a consumer's newest seq journaled with each line, a kill -9
/// between the two would let a reader see seq N+1 that the restarted gmemd, restoring N, gives to
/// another event; the reader resuming from N+1 would miss that one. So readers see only seqs up to
/// the consumer's lease, a seq the journal holds already, and a restarted gmemd goes on after the
/// lease. An event past it waits (unseen, its readers not woken) for the file's next journal
/// line, which renews the lease `MemoryStore.seqLeaseAhead` seqs ahead; then it is shown.
///
/// The other way, appending the line before each event is shown, costs a journal entry per
/// consumer per change (a punch with 200 consumers wrote 200 seqs each time). A lease costs one
/// per consumer per `seqLeaseAhead` events, and a change's line carries only the leases it
/// renews. The price: after a crash a consumer goes on up to `seqLeaseAhead` seqs past its
/// newest, and a reader behind is told by an overflow that every seq up to the lease may be lost,
/// some of which no event had. A clean stop or an upgrade brings each lease down to the newest
/// seq first (`settleLease`), so that its readers are told of no such gap.
extension Consumer {
    /// The lease the file's next journal line gives this consumer: `ahead` seqs past its newest.
    /// The lease readers see by is lowered to it now if it is higher, and never raised before the
    /// line is written. Called under the file's state lock, with its journal lock held.
    func proposeLease(ahead: UInt64) -> UInt64 {
        state.withLock { state in
            let proposed = state.ring.lastSeq + ahead
            state.seqLease = min(state.seqLease, proposed)
            state.awaitsLease = false
            return proposed
        }
    }

    /// For a clean stop's last line: the lease brought down to the newest seq, as `proposeLease`
    /// with nothing ahead; nil when it is there already.
    func settleLease() -> UInt64? {
        state.withLock { state in
            guard state.seqLease != state.ring.lastSeq else { return nil }
            state.seqLease = min(state.seqLease, state.ring.lastSeq)
            state.awaitsLease = false
            return state.ring.lastSeq
        }
    }

    /// The journal holds `lease` now: readers see the events up to it, and waiting ones wake.
    /// Called with the file's journal lock held, after the line is written.
    func grant(_ lease: UInt64) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.seqLease = max(state.seqLease, lease)
            return Self.takeWaiting(&state)
        }
        for continuation in woken { continuation.resume() }
    }
}

/// A lease a journal line gives a consumer (Consumer+Lease).
struct LeaseRenewal {
    let consumer: Consumer
    let lease: UInt64
}
