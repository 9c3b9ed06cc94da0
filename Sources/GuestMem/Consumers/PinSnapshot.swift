/// A pin as it was at one instant: the design's get_lock_pfn answer.
package struct PinSnapshot: Hashable, Sendable {
    package let id: PinID
    package let consumerID: ConsumerID
    package let range: ByteRange
    /// The pinned pages, runs of one page order each (order 0: 4 KiB pages).
    package let extents: [PinExtent]
    package let state: State
    package let createdAt: Timestamp

    package enum State: Hashable, Sendable {
        /// Holding its pages.
        case live
        /// A punch, a shrink or the file's deletion took its pages: unpinning it is refused (gone).
        case revoked
        /// Its consumer detached, which unpinned it (and marked its pages dirty).
        case released
    }

    package init(
        id: PinID, consumerID: ConsumerID, range: ByteRange, extents: [PinExtent], state: State,
        createdAt: Timestamp
    ) {
        (self.id, self.consumerID, self.range, self.extents) = (id, consumerID, range, extents)
        (self.state, self.createdAt) = (state, createdAt)
    }

    func with(_ state: State) -> PinSnapshot {
        PinSnapshot(
            id: id, consumerID: consumerID, range: range, extents: extents, state: state, createdAt: createdAt
        )
    }
}

/// A run of pinned pages of one size: `order` is log2 of the page size in 4 KiB pages.
package struct PinExtent: Hashable, Sendable {
    package let range: ByteRange
    package let order: Int

    package init(range: ByteRange, order: Int) {
        self.range = range
        self.order = order
    }
}

/// Pages written since the log was last cleared, as merged ranges, each a whole number of
/// `granularity` bytes: the page size while the log `isExact`, a larger power-of-two multiple
/// of it once the log outgrew its cap (DirtyPages), when ranges may name clean pages beside
/// the dirty ones, but every dirty page is in one.
package struct DirtyLog: Hashable, Sendable {
    package let pageSize: Int64
    package let granularity: Int64
    package let isExact: Bool
    package let ranges: [ByteRange]
}
