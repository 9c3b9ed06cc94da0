import SystemPackage

/// A file's side of consumers. Attaching, detaching, listing, unpinning and the dirty log take
/// only the state lock; a pin may allocate, and a memslot maps the file, so those take the
/// operation lock first.
extension ManagedFile {
    /// Attaches `consumer` (ConsumerTable.attach); notFound once the file is deleted.
    func attach(_ consumer: Consumer) throws(GuestMemError) {
        try withState { (state) throws(GuestMemError) in
            try state.consumers.attach(consumer, seals: state.serviceSeals)
        }
    }

    /// Detaches `consumer`; false when it was not attached.
    func detach(_ consumer: Consumer, charge: inout Charge) -> Bool {
        state.withLock { state in
            state.consumers.detach(consumer, pinsAreLocked: !allocationIsLocked(state), charge: &charge)
        }
    }

    /// The consumers attached now, oldest first; notFound once the file is deleted.
    func attachedConsumers() throws(GuestMemError) -> [Consumer] {
        try withState { (state) throws(GuestMemError) in state.consumers.attached }
    }

    /// The dirty log, cleared in the same hold with `clear`. A guest_memfd has none, as in the
    /// kernel: KVM refuses dirty logging on a guest_memfd memslot (KVM_MEM_LOG_DIRTY_PAGES with
    /// KVM_MEM_GUEST_MEMFD is EINVAL), and the guest's writes, which are most of what such a file
    /// sees, reach no log gmemd could read.
    func dirtyLog(clear: Bool) throws(GuestMemError) -> DirtyLog {
        try withState { (state) throws(GuestMemError) in
            guard !isGuestMemfd else {
                throw .invalid(
                    "a guest_memfd has no dirty log: KVM refuses dirty logging on guest_memfd memslots "
                        + "(KVM_MEM_LOG_DIRTY_PAGES with KVM_MEM_GUEST_MEMFD is EINVAL) and the guest's "
                        + "writes reach no log gmemd could read", errno: .invalidArgument)
            }
            return state.consumers.dirtyLog(clear: clear)
        }
    }

    /// get_lock_pfn: pins the whole pages of `range` for `consumer`. With `allocate`, holes are
    /// allocated first (fallocate, KEEP_SIZE, with the consumers' `allocate` events) within
    /// `reservation`; without it a hole is refused with ENOENT and nothing changes. The range must
    /// be whole pages of this file, inside the consumer's range and inside the file's size
    /// (EINVAL). A pin in a file whose memory is not locked already holds its length in locked
    /// bytes, as RLIMIT_MEMLOCK counts each pin (EDQUOT past max_locked_bytes, checked before
    /// anything is allocated).
    func pin(
        _ range: ByteRange, for consumer: Consumer, allocate: Bool, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> PinSnapshot {
        try operating { (backing) throws(GuestMemError) in
            let locked = try withState { (state) throws(GuestMemError) -> Int64 in
                guard state.consumers.contains(consumer) else {
                    throw .refused(
                        "consumer \(consumer.id) is detached", errno: .operationNotSupportedByDevice)
                }
                return allocationIsLocked(state) ? 0 : range.length
            }
            try consumer.requireRoomForPin()
            try requirePinnable(range, for: consumer, size: try backing.status().size)
            if locked > reservation.lockedBytes {
                throw .quotaExceeded("tenant limit max_locked_bytes: a pin of \(locked) bytes does not fit")
            }
            if allocate {
                try self.allocate(range, keepSize: true, within: reservation, host: host, &backing, &charge)
            } else if backing.newBytes(in: range) > 0 {
                throw .refused(
                    "[\(range.offset), \(range.end)) holds a hole; pin it with allocate",
                    errno: .noSuchFileOrDirectory)
            }
            // An order is log2 of the page in base pages: 0 for 4 KiB, 9 for a 2 MiB huge page.
            let order = (allocationUnit / pageSize).trailingZeroBitCount
            let pin = PinSnapshot(
                id: .random(), consumerID: consumer.id, range: range,
                extents: [PinExtent(range: range, order: order)], state: .live, createdAt: .now())
            // A detach takes only the state lock: it may have come since the first look.
            try withState { (state) throws(GuestMemError) in
                guard state.consumers.contains(consumer) else {
                    throw .refused(
                        "consumer \(consumer.id) is detached", errno: .operationNotSupportedByDevice)
                }
                consumer.add(pin)
                state.consumers.noteChange()
            }
            charge.lockedBytes += locked
            return pin
        }
    }

    /// put_unlock_pfn: the pin's pages go into the dirty log.
    func unpin(_ id: PinID, of consumer: Consumer, charge: inout Charge) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            try state.consumers.unpin(
                id, of: consumer, pinsAreLocked: !allocationIsLocked(state), charge: &charge)
        }
    }

    private func requirePinnable(_ range: ByteRange, for consumer: Consumer, size: Int64)
        throws(GuestMemError)
    {
        guard range.isAligned(to: allocationUnit) else {
            throw .invalid("a pin takes whole pages of \(allocationUnit) bytes", errno: .invalidArgument)
        }
        guard consumer.range.contains(range) else {
            throw .invalid("a pin must lie inside its consumer's range", errno: .invalidArgument)
        }
        guard range.end <= size else {
            throw .invalid("a pin must lie inside the file's size, \(size) bytes", errno: .invalidArgument)
        }
    }
}
