/// A memfd file's side of consumers: the `ConsumerHost` calls, each under the file's lock.
extension MemoryFile: ConsumerHost {
    func attach(_ consumer: Consumer) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            guard !state.isDeleted else { throw .notFound("no file \(id)") }
            try state.consumers.attach(consumer, seals: state.serviceSeals)
        }
    }

    func detach(_ consumer: Consumer, charge: inout Charge) -> Bool {
        state.withLock { state in
            state.consumers.detach(consumer, pinsAreLocked: !state.isInaccessible, charge: &charge)
        }
    }

    func attachedConsumers() throws(GuestMemError) -> [Consumer] {
        try state.withLock { (state) throws(GuestMemError) in
            guard !state.isDeleted else { throw .notFound("no file \(id)") }
            return state.consumers.attached
        }
    }

    func dirtyLog(clear: Bool) throws(GuestMemError) -> DirtyLog {
        try state.withLock { (state) throws(GuestMemError) in
            guard !state.isDeleted else { throw .notFound("no file \(id)") }
            return state.consumers.dirtyLog(pageSize: pageSize, clear: clear)
        }
    }

    /// The kernel freed or zeroed `range`: revokes the pins over it and tells the consumers.
    func invalidate(
        _ range: ByteRange, _ reason: ConsumerEvent.InvalidateReason, _ state: borrowing State,
        _ charge: inout Charge
    ) {
        state.consumers.invalidate(range, reason, pinsAreLocked: !state.isInaccessible, charge: &charge)
    }

    /// The bytes a shrink to `size` takes away: up to the old size, or further where pages were
    /// allocated past it (F8). nil when nothing lies past `size`.
    static func shrinkSpan(to size: Int64, from before: Int64, _ state: borrowing State) -> ByteRange? {
        let end = max(before, state.map.end)
        return end > size ? try? ByteRange(offset: size, length: end - size) : nil
    }
}
