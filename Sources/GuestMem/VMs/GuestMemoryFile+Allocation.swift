import SystemPackage

extension GuestMemoryFile {
    /// Allocates or punches `range` with fallocate(2); the extent map changes only after the
    /// kernel said yes. The kernel judges the range and mode (kernel-semantics.md §1k): no
    /// keep_size is EOPNOTSUPP, unaligned or outside the file EINVAL; a punch past the end is
    /// fine. An allocation needs its new pages within `reservation` and the host's headroom.
    /// The consumers over `range` hear `allocate`, or `invalidate` after their pins over it were
    /// revoked, before the lock is let go. `versions`, when given, must hold the current version.
    func fallocate(
        _ mode: FallocateMode, _ range: ByteRange, expecting versions: Set<UInt64>?,
        within reservation: Reservation, host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> FileSnapshot {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requireVersion(versions, state)
            try fallocate(mode, range, within: reservation, host: host, charge: &charge, &state)
            return try snapshot(&state)
        }
    }

    /// `fallocate`, for a caller that holds the lock.
    func fallocate(
        _ mode: FallocateMode, _ range: ByteRange, within reservation: Reservation, host: HostMemory,
        charge: inout Charge, _ state: inout State
    ) throws(GuestMemError) {
        try Self.withFile(&state, id) { (file) throws(GuestMemError) in
            let claimed = try claim(
                mode == .punchHole ? 0 : newBytes(in: range, of: file), reservation, host)
            defer { host.release(claimed) }
            let before = file.allocation.totalLength
            try kernel("fallocate") { () throws(Errno) in try file.fallocate(mode, range) }
            charge.book(allocated: file.allocation.totalLength - before)
        }
        switch mode {
        case .allocate: state.consumers.notify(over: range) { .allocate($0) }
        case .punchHole: state.consumers.invalidate(range, .punchHole, pinsAreLocked: false, charge: &charge)
        }
        Self.touch(&state)
    }

    /// The most touching `range` could allocate: its pages that lie inside the file. Memory past
    /// the fixed size is never allocated (A5, P7).
    func worstCase(_ range: ByteRange) -> Int64 {
        pages(of: range).map(\.length) ?? 0
    }

    /// The bytes of `range`'s pages inside the file that hold no page yet.
    func newBytes(in range: ByteRange, of file: borrowing GuestMemfd) -> Int64 {
        guard let pages = pages(of: range) else { return 0 }
        return pages.length - file.allocation.length(in: pages)
    }

    /// Checks that `newBytes` fit what the tenant set aside, all of it locked, and what the host
    /// can spare. Answers the host headroom claimed, to release once the kernel has answered.
    func claim(_ newBytes: Int64, _ reservation: Reservation, _ host: HostMemory) throws(GuestMemError)
        -> Int64
    {
        guard newBytes <= reservation.bytes, newBytes <= reservation.lockedBytes else {
            let kind = newBytes > reservation.bytes ? "max_bytes" : "max_locked_bytes"
            throw .quotaExceeded(
                "tenant limit \(kind): \(newBytes) new bytes of guest_memfd (locked memory) do not fit")
        }
        return try host.claim(newBytes)
    }

    /// `range` widened to whole pages and cut at the file's size; nil when nothing is left.
    private func pages(of range: ByteRange) -> ByteRange? {
        let page = HostProbe.pageSize
        let start = range.offset / page * page
        let end = min(size, range.end / page * page + (range.end % page == 0 ? 0 : page))
        return start < end ? try? ByteRange(offset: start, length: end - start) : nil
    }
}
