import SystemPackage

extension MemoryFile {
    /// Sets the size with ftruncate(2); the kernel's seals answer (shrink, grow: EPERM).
    /// Shrinking frees pages; `charge` gets what the kernel freed, and the pins and consumers past
    /// the new end are revoked and told (`invalidate`, shrink), before the lock is let go.
    func resize(to size: Int64, expecting versions: Set<UInt64>?, charge: inout Charge) throws(GuestMemError)
        -> FileSnapshot
    {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requireVersion(versions, state)
            try requireAligned(size, in: state)
            let sizeBefore = try self.size(state)
            try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                try kernel("ftruncate") { () throws(Errno) in try memfd.resize(to: size) }
            }
            // Measured before the map forgets the pages past the new end.
            let lost = size < sizeBefore ? Self.shrinkSpan(to: size, from: sizeBefore, state) : nil
            if size < sizeBefore { state.map.truncate(to: size) }
            _ = try recount(&state, &charge)
            if let lost { invalidate(lost, .shrink, state, &charge) }
            state.consumers.notifyResize(from: sizeBefore, to: size)
            if size != sizeBefore { Self.touch(&state) }
            return try snapshot(state)
        }
    }

    /// Allocates `range` with fallocate(2), within what `reservation` set aside: a call that
    /// would allocate more is refused before the kernel is asked, so it allocates nothing.
    /// Answers nil when the file became inaccessible since the reservation was made (its bytes
    /// would then be locked ones): reserve again and retry. `versions`, when given, must hold the
    /// current version.
    func allocate(
        _ range: ByteRange, keepSize: Bool, expecting versions: Set<UInt64>?, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> FileSnapshot? {
        try state.withLock { (state) throws(GuestMemError) -> FileSnapshot? in
            try Self.requireVersion(versions, state)
            guard reservation.isLocked == state.isInaccessible else { return nil }
            try allocate(range, keepSize: keepSize, within: reservation, host: host, charge: &charge, &state)
            return try snapshot(state)
        }
    }

    /// `allocate(_:keepSize:within:host:charge:)` under the file's lock, which the caller holds:
    /// fallocate(2), then the consumers' `allocate` (and `resize`) events in the same hold.
    func allocate(
        _ range: ByteRange, keepSize: Bool, within reservation: Reservation, host: HostMemory,
        charge: inout Charge, _ state: inout State
    ) throws(GuestMemError) {
        try requireAligned(range.offset, range.length, in: state)
        let newRanges = state.map.newRanges(in: range)
        let claimed = try claimHeadroom(state.map.newBytes(in: range), reservation, host)
        defer { host.release(claimed) }
        let sizeBefore = try size(state)
        let allocated = Result { () throws(GuestMemError) in
            try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                try kernel("fallocate") { () throws(Errno) in
                    try memfd.allocate(range, keepSize: keepSize)
                }
            }
        }
        // Even a failed fallocate may have kept some pages (hugetlbfs does): count them.
        if case .success = allocated { state.map.allocate(range) }
        let status = try recount(&state, &charge)
        try allocated.get()
        if overran(reservation, charge, state) {
            try undo(newRanges, sizeBefore: sizeBefore, sizeAfter: status.size, &state, &charge)
        }
        state.consumers.notify(over: range) { .allocate($0) }
        state.consumers.notifyResize(from: sizeBefore, to: status.size)
        Self.touch(&state)
    }

    /// Punches `range` with fallocate(2); the write seals answer EPERM, even past the end.
    /// `charge` gets what the kernel freed: whole pages only (F6, F7). Pins overlapping `range`
    /// are revoked and consumers told before the lock is let go. `versions`, when given, must
    /// hold the current version.
    func punchHole(_ range: ByteRange, expecting versions: Set<UInt64>?, charge: inout Charge)
        throws(GuestMemError) -> FileSnapshot
    {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requireVersion(versions, state)
            try requireAligned(range.offset, range.length, in: state)
            try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                try kernel("fallocate") { () throws(Errno) in try memfd.punchHole(range) }
            }
            state.map.punch(range)
            _ = try recount(&state, &charge)
            invalidate(range, .punchHole, state, &charge)
            Self.touch(&state)
            return try snapshot(state)
        }
    }

    /// The size fstat(2) reports now.
    func size(_ state: borrowing State) throws(GuestMemError) -> Int64 {
        try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
            try kernel("fstat") { () throws(Errno) in try memfd.status().size }
        }
    }

    /// Checks that `newBytes` fit what the tenant set aside and what the host can spare.
    /// Answers the host headroom claimed, to be released once the kernel has answered.
    func claimHeadroom(_ newBytes: Int64, _ reservation: Reservation, _ host: HostMemory)
        throws(GuestMemError)
        -> Int64
    {
        if newBytes > reservation.bytes || (reservation.isLocked && newBytes > reservation.lockedBytes) {
            let kind = newBytes > reservation.bytes ? "max_bytes" : "max_locked_bytes"
            throw .quotaExceeded("tenant limit \(kind): \(newBytes) new bytes do not fit")
        }
        return try host.claim(newBytes)
    }

    /// Whether the kernel allocated more than `reservation` had room for. Never for an exported
    /// file: whoever holds its descriptor allocates when it likes, so st_blocks moves by pages
    /// that are not this call's (booked all the same), and its allocation map, no longer exact,
    /// already predicted this call's worst case.
    func overran(_ reservation: Reservation, _ charge: Charge, _ state: borrowing State) -> Bool {
        guard !state.isExported else { return false }
        return charge.allocatedBytes > reservation.bytes
            || (reservation.isLocked && charge.lockedBytes > reservation.lockedBytes)
    }

    /// The kernel allocated more than the tenant had room for, so more than the map predicted:
    /// a kernel that allocates larger folios than st_blksize says. Punch the units the map took
    /// for holes, put the size back, and refuse. A safety net only: when the map itself was
    /// wrong, some of what the kernel allocated may stay, and the usage still follows st_blocks.
    func undo(
        _ newRanges: [ByteRange], sizeBefore: Int64, sizeAfter: Int64, _ state: inout State,
        _ charge: inout Charge
    ) throws(GuestMemError) -> Never {
        try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
            try kernel("fallocate") { () throws(Errno) in
                for range in newRanges { try memfd.punchHole(range) }
                if sizeAfter != sizeBefore { try memfd.resize(to: sizeBefore) }
            }
        }
        for range in newRanges { state.map.punch(range) }
        _ = try recount(&state, &charge)
        throw .quotaExceeded("the kernel allocated more than the tenant limit leaves; undone")
    }
}
