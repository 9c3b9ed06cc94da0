import SystemPackage

extension GuestMemoryFile {
    /// The bytes of `range` that lie inside the file: fewer at the end, none past it. Read
    /// through the file's shared mapping, allocated pages only: holes read as zeros and are not
    /// faulted in (kernel-semantics.md A14), so a read allocates nothing and changes nothing.
    func read(_ range: ByteRange, maxBytes: Int64) throws(GuestMemError) -> [UInt8] {
        try requireMappable()
        let count = Int(max(0, min(range.length, size - range.offset)))
        guard count <= maxBytes else {
            throw .invalid("a read copies at most \(maxBytes) bytes; ask for a Range", errno: .noMemory)
        }
        var bytes = [UInt8](repeating: 0, count: count)
        let read = try state.withLock { (state) throws(GuestMemError) in
            try Self.withFile(&state, id) { (file) throws(GuestMemError) in
                try kernel("mmap access") { () throws(Errno) in
                    try bytes.withUnsafeMutableBytes { buffer in
                        Result { () throws(Errno) in try file.read(into: buffer, at: range.offset) }
                    }.get()
                }
            }
        }
        return Array(bytes.prefix(read))
    }

    /// Writes `bytes` at `offset` through the mapping, all or nothing, and answers the count. The
    /// size is fixed: a write ending past it is EFBIG and writes nothing. `versions`, when given,
    /// must hold the current version.
    func write(
        _ bytes: [UInt8], at offset: Int64, expecting versions: Set<UInt64>?, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> Int64 {
        try requireMappable()
        guard let range = try MemoryFile.writeRange(offset: offset, count: bytes.count) else {
            try state.withLock { (state) throws(GuestMemError) in try Self.requireVersion(versions, state) }
            return 0
        }
        let written = try touching(
            range, expecting: versions, within: reservation, host: host, charge: &charge
        ) {
            (file) throws(Errno) in
            try bytes.withUnsafeBytes { buffer in
                Result { () throws(Errno) in try file.write(buffer, at: offset) }
            }.get()
        }
        return Int64(written)
    }

    /// Refuses content access, before any mapping is touched, to a file gmemd did not map.
    func requireMappable() throws(GuestMemError) {
        if flags.isMappable { return }
        if flags.mmap {
            throw .invalid(
                "this guest_memfd was created with mmap but without init_shared: its memory starts "
                    + "private to the guest and, with no KVM_SET_MEMORY_ATTRIBUTES on this host, every "
                    + "access through a mapping faults (SIGBUS), so gmemd never touches it",
                errno: .badAddress)
        }
        throw .invalid(
            "a guest_memfd's content is reachable only through a shared mapping, and this file was "
                + "created without mmap (mmap(2) answers ENODEV; read and write are refused by the kernel)",
            errno: .operationNotSupportedByDevice)
    }

    /// Runs `body`, a write, on the file after claiming room for the pages of `range` it will
    /// fault in; books what the extent map gained, and marks a change.
    private func touching<R: Sendable>(
        _ range: ByteRange, expecting versions: Set<UInt64>?, within reservation: Reservation,
        host: HostMemory, charge: inout Charge,
        _ body: (inout GuestMemfd) throws(Errno) -> R
    ) throws(GuestMemError) -> R {
        try state.withLock { (state) throws(GuestMemError) -> R in
            try Self.requireVersion(versions, state)
            let (result, gained) = try Self.withFile(&state, id) { (file) throws(GuestMemError) in
                let claimed = try claim(newBytes(in: range, of: file), reservation, host)
                defer { host.release(claimed) }
                let before = file.allocation.totalLength
                let result = try kernel("mmap access") { () throws(Errno) in try body(&file) }
                return (result, file.allocation.totalLength - before)
            }
            charge.book(allocated: gained)
            Self.touch(&state)
            return result
        }
    }
}
