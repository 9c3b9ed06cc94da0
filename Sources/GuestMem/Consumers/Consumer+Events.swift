extension Consumer {
    /// The events after `seq` that are kept now. A `seq` past the newest event is EINVAL: no
    /// reader can have seen it.
    func batch(after seq: UInt64) throws(GuestMemError) -> EventBatch {
        try state.withLock { (state) throws(GuestMemError) in try Self.batch(after: seq, state) }
    }

    /// The events after `seq`; when there are none yet, waits up to `limit` for the next one
    /// (or for the detach, or the task's cancellation), then answers what there is.
    func events(after seq: UInt64, wait limit: Duration) async throws(GuestMemError) -> EventBatch {
        let now = try batch(after: seq)
        guard now.events.isEmpty, !now.isDetached, limit > .zero else { return now }
        await waitForEvent(after: seq, upTo: limit)
        return try batch(after: seq)
    }

    /// What a reader may see: the events up to the lease (Consumer+Lease).
    private static func batch(after seq: UInt64, _ state: borrowing State) throws(GuestMemError) -> EventBatch
    {
        let shown = state.shownSeq
        guard seq <= shown else {
            throw .invalid("after \(seq) is past the newest event, \(shown)", errno: .invalidArgument)
        }
        let events = state.ring.events(after: seq, through: shown)
        return EventBatch(events: events, next: events.last?.seq ?? seq, isDetached: state.showsDetached)
    }

    /// Parks until an event after `seq` is recorded, the consumer detaches, `limit` passes or the
    /// task is cancelled. The check and the parking happen under one hold of the lock, so an
    /// event recorded in between cannot be missed.
    private func waitForEvent(after seq: UInt64, upTo limit: Duration) async {
        let key = state.withLock { state in
            state.nextWaiter += 1
            state.waiters[state.nextWaiter] = .pending
            return state.nextWaiter
        }
        let timer = Task { [self] in
            try? await Task.sleep(for: limit)
            expire(key)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { state -> Bool in
                    guard case .pending = state.waiters[key], state.shownSeq <= seq, !state.showsDetached
                    else { return false }
                    state.waiters[key] = .waiting(continuation)
                    return true
                }
                if !parked { continuation.resume() }
            }
        } onCancel: {
            expire(key)
        }
        timer.cancel()
        state.withLock { _ = $0.waiters.removeValue(forKey: key) }
    }

    /// Ends one reader's wait: resumes it if parked, else keeps it from parking.
    private func expire(_ key: UInt64) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            switch state.waiters[key] {
            case .waiting(let continuation):
                state.waiters[key] = nil
                return continuation
            case .pending:
                state.waiters[key] = .expired
                return nil
            case .expired, nil:
                return nil
            }
        }
        continuation?.resume()
    }
}
