/// The design's get_lock_pfn and put_unlock_pfn on a memfd file, under the file's lock.
extension MemoryFile {
    /// Pins the whole pages of `range` for `consumer`. With `allocate`, holes are allocated first
    /// (fallocate, KEEP_SIZE, with the consumers' `allocate` events) within `reservation`;
    /// without it a hole is refused with ENOENT and nothing changes. The range must be whole
    /// pages of this file, inside the consumer's range and inside the file's size (EINVAL). A pin
    /// in an accessible file holds its length in locked bytes, like RLIMIT_MEMLOCK counts each
    /// pin (EDQUOT past max_locked_bytes, checked before anything is allocated).
    func pin(
        _ range: ByteRange, for consumer: Consumer, allocate: Bool, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> PinSnapshot {
        try state.withLock { (state) throws(GuestMemError) in
            guard state.consumers.contains(consumer) else {
                throw .refused("consumer \(consumer.id) is detached", errno: .operationNotSupportedByDevice)
            }
            try consumer.requireRoomForPin()
            try requirePinnable(range, for: consumer, state)
            let locked = state.isInaccessible ? 0 : range.length
            if locked > reservation.lockedBytes {
                throw .quotaExceeded("tenant limit max_locked_bytes: a pin of \(locked) bytes does not fit")
            }
            if allocate {
                try self.allocate(
                    range, keepSize: true, within: reservation, host: host, charge: &charge, &state)
            } else if state.map.newBytes(in: range) > 0 {
                throw .refused(
                    "[\(range.offset), \(range.end)) holds a hole; pin it with allocate",
                    errno: .noSuchFileOrDirectory)
            }
            // An order is log2 of the page in base pages: 0 for 4 KiB, 9 for a 2 MiB huge page.
            let order = (allocationUnit / pageSize).trailingZeroBitCount
            let pin = PinSnapshot(
                id: .random(), consumerID: consumer.id, range: range,
                extents: [PinExtent(range: range, order: order)], state: .live, createdAt: .now())
            consumer.add(pin)
            charge.lockedBytes += locked
            return pin
        }
    }

    func unpin(_ id: PinID, of consumer: Consumer, charge: inout Charge) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            try state.consumers.unpin(id, of: consumer, pinsAreLocked: !state.isInaccessible, charge: &charge)
        }
    }

    private func requirePinnable(_ range: ByteRange, for consumer: Consumer, _ state: borrowing State)
        throws(GuestMemError)
    {
        guard range.isAligned(to: allocationUnit) else {
            throw .invalid("a pin takes whole pages of \(allocationUnit) bytes", errno: .invalidArgument)
        }
        guard consumer.range.contains(range) else {
            throw .invalid("a pin must lie inside its consumer's range", errno: .invalidArgument)
        }
        let size = try self.size(state)
        guard range.end <= size else {
            throw .invalid("a pin must lie inside the file's size, \(size) bytes", errno: .invalidArgument)
        }
    }
}
