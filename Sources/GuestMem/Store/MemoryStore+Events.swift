extension MemoryStore {
    /// The largest `wait` a reader may ask for.
    package static let maxEventWait = Duration.seconds(60)

    /// A consumer's events after `seq`. When there are none yet, waits up to `wait` (at most
    /// `maxEventWait`, else EINVAL) for the next one, then answers what there is. A `seq` past
    /// the newest event is EINVAL.
    package func events(of id: ConsumerID, of tenantID: TenantID, after seq: UInt64, wait: Duration = .zero)
        async throws(GuestMemError) -> EventBatch
    {
        guard wait >= .zero, wait <= Self.maxEventWait else {
            throw .invalid(
                "wait is 0 to \(Self.maxEventWait.components.seconds) seconds", errno: .invalidArgument)
        }
        let batch = try await lookup(id, of: tenantID).events(after: seq, wait: wait)
        eventStatistics.count(batch)
        return batch
    }

    /// A consumer's events after `seq` as they are now, without waiting: a short hold of the
    /// consumer's lock and no other, so a read on the loop may ask. A `seq` past the newest
    /// event is EINVAL.
    package func eventsNow(of id: ConsumerID, of tenantID: TenantID, after seq: UInt64) throws(GuestMemError)
        -> EventBatch
    {
        let batch = try lookup(id, of: tenantID).batch(after: seq)
        eventStatistics.count(batch)
        return batch
    }
}
