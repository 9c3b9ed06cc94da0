import SystemPackage

/// A guest_memfd file's side of consumers: the `ConsumerHost` calls, each under the file's lock.
/// Every allocated byte of a guest_memfd is locked already, so a pin adds no locked bytes.
extension GuestMemoryFile: ConsumerHost {
    func attach(_ consumer: Consumer) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requirePresent(state, id)
            try state.consumers.attach(consumer, seals: state.serviceSeals)
        }
    }

    func detach(_ consumer: Consumer, charge: inout Charge) -> Bool {
        state.withLock { state in state.consumers.detach(consumer, pinsAreLocked: false, charge: &charge) }
    }

    func attachedConsumers() throws(GuestMemError) -> [Consumer] {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requirePresent(state, id)
            return state.consumers.attached
        }
    }

    /// A guest_memfd has no dirty log, as in the kernel: KVM refuses dirty logging on a
    /// guest_memfd memslot (KVM_MEM_LOG_DIRTY_PAGES with KVM_MEM_GUEST_MEMFD is EINVAL), and
    /// the guest's writes, which are most of what such a file sees, reach no log gmemd could read.
    func dirtyLog(clear: Bool) throws(GuestMemError) -> DirtyLog {
        try state.withLock { (state) throws(GuestMemError) in try Self.requirePresent(state, id) }
        throw .invalid(
            "a guest_memfd has no dirty log: KVM refuses dirty logging on guest_memfd memslots "
                + "(KVM_MEM_LOG_DIRTY_PAGES with KVM_MEM_GUEST_MEMFD is EINVAL) and the guest's writes "
                + "reach no log gmemd could read", errno: .invalidArgument)
    }

    /// get_lock_pfn on a guest_memfd: pins the whole pages of `range`, inside the consumer's
    /// range and the file (EINVAL). With `allocate`, holes are allocated first (fallocate with
    /// KEEP_SIZE, and the consumers' `allocate` events) within `reservation`; without it a hole
    /// is refused with ENOENT, as the extent map knows which pages the kernel holds.
    func pin(
        _ range: ByteRange, for consumer: Consumer, allocate: Bool, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> PinSnapshot {
        try state.withLock { (state) throws(GuestMemError) in
            guard state.consumers.contains(consumer) else {
                throw .refused("consumer \(consumer.id) is detached", errno: .operationNotSupportedByDevice)
            }
            try consumer.requireRoomForPin()
            guard range.isAligned(to: allocationUnit), consumer.range.contains(range), range.end <= size
            else {
                throw .invalid(
                    "a pin takes whole pages of \(allocationUnit) bytes inside its consumer's range and "
                        + "inside the file's \(size) bytes", errno: .invalidArgument)
            }
            if allocate {
                try fallocate(
                    .allocate(keepSize: true), range, within: reservation, host: host, charge: &charge, &state
                )
            } else {
                let held = try Self.withFile(&state, id) { (file) throws(GuestMemError) in
                    file.allocation.length(in: range)
                }
                guard held == range.length else {
                    throw .refused(
                        "[\(range.offset), \(range.end)) holds a hole; pin it with allocate",
                        errno: .noSuchFileOrDirectory)
                }
            }
            let pin = PinSnapshot(
                id: .random(), consumerID: consumer.id, range: range,
                extents: [PinExtent(range: range, order: 0)], state: .live, createdAt: .now())
            consumer.add(pin)
            return pin
        }
    }

    func unpin(_ id: PinID, of consumer: Consumer, charge: inout Charge) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            try state.consumers.unpin(id, of: consumer, pinsAreLocked: false, charge: &charge)
        }
    }

    /// notFound once the file is deleted.
    private static func requirePresent(_ state: borrowing State, _ id: FileID) throws(GuestMemError) {
        guard state.file != nil else { throw .notFound("no file \(id)") }
    }
}
