/// One entry of a consumer's event sequence: what happened to its part of the file, and when.
/// Ranges are clipped to the consumer's range: a consumer hears only about its own bytes.
package struct ConsumerEvent: Hashable, Sendable {
    /// 1, 2, 3, … per consumer, without gaps. An overflow takes the seq of the last event it
    /// stands for, so reading on from it continues the sequence.
    package let seq: UInt64
    package let kind: Kind
    package let at: Timestamp

    package enum Kind: Hashable, Sendable {
        /// fallocate allocated `range` (a pin that allocates does too).
        case allocate(ByteRange)
        /// The pages of `range` were freed or zeroed: the design's invalidate callback.
        case invalidate(ByteRange, InvalidateReason)
        /// The size changed from `from` to `to`.
        case resize(from: Int64, to: Int64)
        /// Seals were added; `SealSet` is every seal now set.
        case seal(SealSet)
        /// The consumer is detached: always its last event.
        case detached(DetachReason)
        /// The backlog dropped the events `lost` before they were read: re-read the file.
        case overflow(lost: ClosedRange<UInt64>)
    }

    /// Why pages were invalidated.
    package enum InvalidateReason: Hashable, Sendable {
        case punchHole, shrink, delete
    }

    /// Why a consumer was detached: asked to, its file (or tenant) was deleted, or it was bound
    /// as a memslot of a VM that gmemd's restart ended (a VM cannot cross processes).
    package enum DetachReason: Hashable, Sendable {
        case detach, delete, restart
    }
}

/// What one read of a consumer's events answers.
package struct EventBatch: Hashable, Sendable {
    /// In seq order; at most the backlog, plus one overflow in front when events were lost.
    package let events: [ConsumerEvent]
    /// The seq to read after next time: the last one answered, or the one asked for.
    package let next: UInt64
    /// Whether the consumer is detached: no event will follow its `detached` one.
    package let isDetached: Bool
}
