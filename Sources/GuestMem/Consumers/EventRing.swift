/// A consumer's backlog: the last `capacity` events of its sequence, oldest first. Recording
/// never waits for a reader and never grows past `capacity`; a reader that falls further behind
/// than that gets one `overflow` event naming the seqs it missed, then what is still kept.
/// The gap is stated, never silent (inotify's IN_Q_OVERFLOW, with the lost seqs spelt out).
struct EventRing {
    let capacity: Int
    /// Grows to `capacity` as events come, then wraps: `start` is the oldest.
    private var storage: [ConsumerEvent] = []
    private var start = 0
    /// The seq of the newest event recorded, 0 before the first.
    private(set) var lastSeq: UInt64 = 0
    /// When the newest event that no longer fits was recorded: the overflow's `at`.
    private var lastDroppedAt: Timestamp?

    init(capacity: Int) {
        precondition(capacity > 0, "an event backlog holds at least one event")
        self.capacity = capacity
    }

    /// A ring whose sequence goes on after `lastSeq`, recorded by a gmemd before a restart, whose
    /// events are gone: a reader behind it gets an overflow naming them (dated `lostAt`), never a
    /// seq used twice.
    init(capacity: Int, continuingAfter lastSeq: UInt64, lostAt: Timestamp) {
        self.init(capacity: capacity)
        self.lastSeq = lastSeq
        lastDroppedAt = lastSeq > 0 ? lostAt : nil
    }

    /// The seq of the oldest event still kept (lastSeq + 1 when none is).
    var oldestSeq: UInt64 { lastSeq + 1 - UInt64(storage.count) }

    /// Records the next event of the sequence, dropping the oldest when the ring is full.
    mutating func append(_ kind: ConsumerEvent.Kind, at time: Timestamp) {
        lastSeq += 1
        let event = ConsumerEvent(seq: lastSeq, kind: kind, at: time)
        if storage.count < capacity {
            storage.append(event)
        } else {
            lastDroppedAt = storage[start].at
            storage[start] = event
            start = (start + 1) % capacity
        }
    }

    /// Every kept event after `seq` up to `last` (a consumer's lease may hold the newest back),
    /// oldest first; an overflow in front when some of them were dropped. `seq` must be at most
    /// `last`, and `last` at most `lastSeq`.
    func events(after seq: UInt64, through last: UInt64) -> [ConsumerEvent] {
        let oldest = oldestSeq
        var answer: [ConsumerEvent] = []
        // oldest ≥ 1, so this does not underflow.
        let lostTo = min(oldest - 1, last)
        if seq < lostTo, let lastDroppedAt {
            answer.append(
                ConsumerEvent(seq: lostTo, kind: .overflow(lost: (seq + 1)...lostTo), at: lastDroppedAt))
        }
        // The kept events are seqs oldest...lastSeq; skip those up to `seq`, stop after `last`.
        let skip = Int(min(UInt64(storage.count), seq >= oldest ? seq + 1 - oldest : 0))
        let end = Int(min(UInt64(storage.count), last >= oldest ? last + 1 - oldest : 0))
        for index in skip..<max(skip, end) {
            answer.append(storage[(start + index) % storage.count])
        }
        return answer
    }
}
