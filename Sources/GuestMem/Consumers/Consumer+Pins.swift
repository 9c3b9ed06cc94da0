extension Consumer {
    /// What unpinning found.
    enum Unpinned {
        case live(PinSnapshot)
        /// Revoked or released: the pin exists no more, and not because its holder unpinned it.
        case gone(PinSnapshot)
        case unknown
    }

    /// Live pins first, oldest first, then the revoked and released ones still kept.
    func pins() -> [PinSnapshot] {
        state.withLock { $0.pins + $0.gonePins }
    }

    /// One pin, live or kept after it went; nil when unknown.
    func pin(_ id: PinID) -> PinSnapshot? {
        state.withLock { state in
            state.pins.first { $0.id == id } ?? state.gonePins.last { $0.id == id }
        }
    }

    /// How many live pins the consumer holds. Called under the file's lock.
    var livePinCount: Int {
        state.withLock { $0.pins.count }
    }

    /// Refuses a new pin when the consumer is detached (ENODEV, the device is gone) or holds
    /// `maxLivePins` already (EDQUOT). Called under the file's lock, before any allocation.
    func requireRoomForPin() throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            if state.detachedAt != nil {
                throw .refused("consumer \(id) is detached", errno: .operationNotSupportedByDevice)
            }
            if state.pins.count >= Self.maxLivePins {
                throw .quotaExceeded("consumer \(id) holds \(Self.maxLivePins) pins, the most one may")
            }
        }
    }

    /// Adds a live pin. Called under the file's lock, after `requireRoomForPin()` in the same hold.
    func add(_ pin: PinSnapshot) {
        state.withLock { $0.pins.append(pin) }
    }

    /// Takes a live pin out for unpinning. Called under the file's lock.
    func unpin(_ id: PinID) -> Unpinned {
        state.withLock { state in
            if let index = state.pins.firstIndex(where: { $0.id == id }) {
                return .live(state.pins.remove(at: index))
            }
            if let gone = state.gonePins.last(where: { $0.id == id }) { return .gone(gone) }
            return .unknown
        }
    }

    /// Revokes every live pin that shares a byte with `range`, and answers them. Called under the
    /// file's lock, in the same hold as the punch or shrink that frees those pages.
    func revokePins(overlapping range: ByteRange) -> [PinSnapshot] {
        state.withLock { state in
            let hit = state.pins.filter { $0.range.overlaps(range) }
            guard !hit.isEmpty else { return [] }
            state.pins.removeAll { $0.range.overlaps(range) }
            Self.keepGone(hit.map { $0.with(.revoked) }, &state)
            return hit
        }
    }
}
