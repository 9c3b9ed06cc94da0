import Synchronization

/// How many events readers were handed, and how many they were told they lost (the seqs an
/// `overflow` names), over the store's life: the figures behind the events metrics. Atomics,
/// since every reader adds to them and a scrape reads them, and no order between them matters.
package final class EventStatistics: Sendable {
    private let deliveredCount = Atomic<Int>(0)
    private let lostCount = Atomic<Int>(0)

    /// Events handed to readers, overflow notices not included; a re-read counts again.
    package var delivered: Int { deliveredCount.load(ordering: .relaxed) }
    /// Events that fell out of a backlog before a reader got them, as overflows reported them.
    package var lost: Int { lostCount.load(ordering: .relaxed) }

    func count(_ batch: EventBatch) {
        var delivered = 0
        for event in batch.events {
            if case .overflow(let lost) = event.kind {
                lostCount.add(lost.count, ordering: .relaxed)
            } else {
                delivered += 1
            }
        }
        if delivered > 0 { deliveredCount.add(delivered, ordering: .relaxed) }
    }
}
