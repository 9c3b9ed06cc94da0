import SystemPackage

extension ManagedFile {
    /// fallocate(2) over `range`: an allocation within what `reservation` set aside (a call that
    /// would allocate more is refused before the kernel is asked, so it allocates nothing), or a
    /// punch. Consumers over `range` hear `allocate`, or `invalidate` after their pins over it
    /// were revoked, before the answer. Answers nil when the file's memory turned locked since
    /// the reservation was made (the inaccessible seal): reserve again and retry. `versions`, when
    /// given, must hold the current version.
    func fallocate(
        _ mode: FallocateMode, _ range: ByteRange, expecting versions: Set<UInt64>?,
        within reservation: Reservation, host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> FileSnapshot? {
        try operating { (backing) throws(GuestMemError) -> FileSnapshot? in
            whileAllocating?(id)
            try requireVersion(versions)
            switch mode {
            case .allocate(let keepSize):
                guard reservation.isLocked == allocationIsLocked else { return nil }
                try allocate(range, keepSize: keepSize, within: reservation, host: host, &backing, &charge)
            case .punchHole:
                try punchHole(range, &backing, &charge)
            }
            return try snapshot()
        }
    }

    /// Allocates `range` under the operation lock the caller holds: fallocate(2), then the
    /// consumers' `allocate` (and `resize`) events.
    func allocate(
        _ range: ByteRange, keepSize: Bool, within reservation: Reservation, host: HostMemory,
        _ backing: inout FileBacking, _ charge: inout Charge
    ) throws(GuestMemError) {
        try withState { (state) throws(GuestMemError) in
            try requireAligned(range.offset, range.length, in: state)
        }
        let (_, sizeBefore, after) = try allocating(
            range, within: reservation, host: host, &backing, &charge
        ) { (backing) throws(GuestMemError) in
            try backing.fallocate(.allocate(keepSize: keepSize), range)
        }
        try withState { (state) throws(GuestMemError) in
            state.consumers.notify(over: range) { .allocate($0) }
            state.consumers.notifyResize(from: sizeBefore, to: after.size)
            Self.touch(&state, after: after)
        }
    }

    /// Punches `range` under the operation lock the caller holds; the write seals answer EPERM,
    /// even past the end. `charge` gets what the kernel freed: whole pages only (F6, F7). Pins
    /// overlapping `range` are revoked and consumers told.
    private func punchHole(_ range: ByteRange, _ backing: inout FileBacking, _ charge: inout Charge)
        throws(GuestMemError)
    {
        try withState { (state) throws(GuestMemError) in
            try requireAligned(range.offset, range.length, in: state)
        }
        try backing.fallocate(.punchHole, range)
        let after = try recount(&backing, &charge)
        try withState { (state) throws(GuestMemError) in
            invalidate(range, .punchHole, &state, &charge)
            Self.touch(&state, after: after)
        }
    }

    /// Sets the size with ftruncate(2); the kernel answers (a memfd's shrink and grow seals: EPERM;
    /// a guest_memfd's fixed size: EINVAL). Shrinking frees pages; `charge` gets what the kernel
    /// freed, and the pins and consumers past the new end are revoked and told (`invalidate`,
    /// shrink) before the answer.
    func resize(to size: Int64, expecting versions: Set<UInt64>?, charge: inout Charge)
        throws(GuestMemError) -> FileSnapshot
    {
        try operating { (backing) throws(GuestMemError) in
            try requireVersion(versions)
            try withState { (state) throws(GuestMemError) in try requireAligned(size, in: state) }
            let sizeBefore = try backing.status().size
            // Measured before the record forgets the pages past the new end.
            let lost = Self.span(from: size, to: max(sizeBefore, backing.allocatedEnd))
            try backing.resize(to: size)
            let after = try recount(&backing, &charge)
            return try withState { (state) throws(GuestMemError) in
                if size < sizeBefore, let lost { invalidate(lost, .shrink, &state, &charge) }
                state.consumers.notifyResize(from: sizeBefore, to: size)
                if size != sizeBefore {
                    Self.touch(&state, after: after)
                } else {
                    Self.touchIfMoved(&state, after: after)
                }
                return try snapshot(state)
            }
        }
    }

    /// Runs `change`, which may allocate pages of `range` (a fallocate, a write), within
    /// `reservation`: the host headroom for the pages it could add is claimed first, what the
    /// kernel then reports is booked even when the change failed (hugetlbfs keeps pages of a
    /// failed fallocate, and then the version moves with them), and an allocation past the
    /// reservation is undone and refused. Answers the change's result, the size before it and the
    /// kernel's figures after it, for the caller's `touch`.
    func allocating<R>(
        _ range: ByteRange, within reservation: Reservation, host: HostMemory, _ backing: inout FileBacking,
        _ charge: inout Charge, _ change: (inout FileBacking) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> (result: R, sizeBefore: Int64, after: FileFigures) {
        let newRanges = backing.newRanges(in: range)
        let claimed = try claimHeadroom(backing.newBytes(in: range), reservation, host)
        defer { host.release(claimed) }
        let sizeBefore = try backing.status().size
        let outcome = Result { () throws(GuestMemError) in try change(&backing) }
        let after = try recount(&backing, &charge)
        if case .failure(let error) = outcome {
            try withState { (state) throws(GuestMemError) in Self.touchIfMoved(&state, after: after) }
            throw error
        }
        let result = try outcome.get()
        if try withState({ (state) throws(GuestMemError) in overran(reservation, charge, state) }) {
            try undo(newRanges, sizeBefore: sizeBefore, sizeAfter: after.size, &backing, &charge)
        }
        return (result, sizeBefore, after)
    }

    /// Reads the kernel's figures after a change (FileFigures: st_blocks, or the extents), books
    /// the allocation's change since the last look into `charge`, checks a memfd's map against
    /// it, and answers the figures, which the change publishes with its version (`touch`).
    @discardableResult
    func recount(_ backing: inout FileBacking, _ charge: inout Charge) throws(GuestMemError) -> FileFigures {
        let figures = try backing.figures()
        backing.reconcile(kernelBytes: figures.allocatedBytes)
        try withState { (state) throws(GuestMemError) in book(figures.allocatedBytes, &state, &charge) }
        return figures
    }

    /// Checks that `newBytes` fit what the tenant set aside (locked bytes too, where the file's
    /// memory is locked) and what the host can spare. Answers the host headroom claimed, to be
    /// released once the kernel has answered.
    func claimHeadroom(_ newBytes: Int64, _ reservation: Reservation, _ host: HostMemory)
        throws(GuestMemError) -> Int64
    {
        if newBytes > reservation.bytes || (reservation.isLocked && newBytes > reservation.lockedBytes) {
            let kind = newBytes > reservation.bytes ? "max_bytes" : "max_locked_bytes"
            throw .quotaExceeded("tenant limit \(kind): \(newBytes) new bytes do not fit")
        }
        return try host.claim(newBytes)
    }

    /// Whether the kernel allocated more than `reservation` had room for. Never for a file whose
    /// figures can drift (`State.canDrift`): whoever holds its descriptor or writes through its
    /// mapping allocates when it likes, so st_blocks moves by pages that are not this call's
    /// (booked all the same), and its allocation map, no longer exact, already predicted this
    /// call's worst case.
    func overran(_ reservation: Reservation, _ charge: Charge, _ state: borrowing State) -> Bool {
        guard !state.canDrift else { return false }
        return charge.allocatedBytes > reservation.bytes
            || (reservation.isLocked && charge.lockedBytes > reservation.lockedBytes)
    }

    /// The kernel allocated more than the tenant had room for, so more than the map predicted:
    /// a kernel that allocates larger folios than st_blksize says. Punch the units the map took
    /// for holes, put the size back, and refuse. A safety net only: when the map itself was
    /// wrong, some of what the kernel allocated may stay, and the usage still follows st_blocks.
    func undo(
        _ newRanges: [ByteRange], sizeBefore: Int64, sizeAfter: Int64, _ backing: inout FileBacking,
        _ charge: inout Charge
    ) throws(GuestMemError) -> Never {
        for range in newRanges { try backing.fallocate(.punchHole, range) }
        if sizeAfter != sizeBefore { try backing.resize(to: sizeBefore) }
        let after = try recount(&backing, &charge)
        try withState { (state) throws(GuestMemError) in Self.touchIfMoved(&state, after: after) }
        throw .quotaExceeded("the kernel allocated more than the tenant limit leaves; undone")
    }

    /// The kernel freed or zeroed `range`: revokes the pins over it and tells the consumers.
    func invalidate(
        _ range: ByteRange, _ reason: ConsumerEvent.InvalidateReason, _ state: inout State,
        _ charge: inout Charge
    ) {
        state.consumers.invalidate(range, reason, pinsAreLocked: !allocationIsLocked(state), charge: &charge)
    }

    /// `[start, end)`, or nil when it is empty.
    static func span(from start: Int64, to end: Int64) -> ByteRange? {
        end > start ? try? ByteRange(offset: start, length: end - start) : nil
    }
}
