import SystemPackage

extension MemoryFile {
    /// The bytes of `range` that lie inside the file: fewer at the end, none past it.
    /// Refused with EPERM once the file is inaccessible, and with ENOMEM when more than
    /// `maxBytes` would have to be copied into memory.
    func read(_ range: ByteRange, maxBytes: Int64) throws(GuestMemError) -> [UInt8] {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requireAccessible(state)
            let size = try size(state)
            let length = max(0, min(range.length, size - range.offset))
            guard length <= maxBytes else {
                throw .invalid(
                    "a read copies at most \(maxBytes) bytes; send more from a ContentHandle",
                    errno: .noMemory)
            }
            let count = Int(length)
            var bytes = [UInt8](repeating: 0, count: count)
            let read = try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                try kernel("pread") { () throws(Errno) in
                    try Self.readFully(memfd, into: &bytes, at: range.offset)
                }
            }
            return Array(bytes.prefix(read))
        }
    }

    /// A dup of the memfd and the size now, for sendfile(2), holding `claim`. EPERM once
    /// inaccessible.
    func openContent(claim: DescriptorClaim) throws(GuestMemError) -> ContentHandle {
        try state.withLock { (state) throws(GuestMemError) in
            try Self.requireAccessible(state)
            let size = try size(state)
            let fd = try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                try kernel("fcntl(F_DUPFD_CLOEXEC)") { () throws(Errno) in try memfd.duplicate() }
            }
            return ContentHandle(fd: fd, size: size, claim: claim)
        }
    }

    /// Writes `bytes` at `offset` with pwrite(2), within what `reservation` set aside. The
    /// kernel's seals answer (write, future_write; grow past the end: EPERM). Answers the bytes
    /// written and the size after, or nil when the file became inaccessible since reserving.
    /// The pages written go into the dirty log. `versions`, when given, must hold the current
    /// version.
    func write(
        _ bytes: [UInt8], at offset: Int64, expecting versions: Set<UInt64>?, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> (written: Int64, size: Int64)? {
        try state.withLock { (state) throws(GuestMemError) -> (written: Int64, size: Int64)? in
            try Self.requireVersion(versions, state)
            guard reservation.isLocked == state.isInaccessible else { return nil }
            try Self.requireAccessible(state)
            let range = try Self.writeRange(offset: offset, count: bytes.count)
            let newRanges = range.map(state.map.newRanges) ?? []
            let claimed = try claimHeadroom(range.map(state.map.newBytes) ?? 0, reservation, host)
            defer { host.release(claimed) }
            let sizeBefore = try size(state)
            let written = Result { () throws(GuestMemError) in
                try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                    try kernel("pwrite") { () throws(Errno) in try Self.writeFully(memfd, bytes, at: offset) }
                }
            }
            if case .success(let count) = written, count > 0 {
                // `count` ≤ bytes.count, so this range is inside the checked one.
                state.map.allocate(try ByteRange(offset: offset, length: Int64(count)))
            }
            let status = try recount(&state, &charge)
            let count = try written.get()
            if overran(reservation, charge, state) {
                try undo(newRanges, sizeBefore: sizeBefore, sizeAfter: status.size, &state, &charge)
            }
            if count > 0 {
                state.consumers.dirty.insert(
                    try ByteRange(offset: offset, length: Int64(count)).roundedOut(to: pageSize))
                state.consumers.notifyResize(from: sizeBefore, to: status.size)
                Self.touch(&state)
            }
            return (Int64(count), status.size)
        }
    }

    /// The range a write covers, nil for an empty one. A negative offset or an end past
    /// `Int64.max` is EINVAL, pwrite(2)'s own answer (F14).
    static func writeRange(offset: Int64, count: Int) throws(GuestMemError) -> ByteRange? {
        guard offset >= 0, !offset.addingReportingOverflow(Int64(count)).overflow else {
            throw .invalid("offset < 0, or offset + length overflows", errno: .invalidArgument)
        }
        return count == 0 ? nil : try ByteRange(offset: offset, length: Int64(count))
    }

    private static func readFully(_ memfd: borrowing Memfd, into bytes: inout [UInt8], at offset: Int64)
        throws(Errno) -> Int
    {
        var done = 0
        while done < bytes.count {
            let count = try bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(Errno) in
                    try memfd.read(
                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]),
                        at: offset + Int64(done))
                }
            }.get()
            if count == 0 { break }
            done += count
        }
        return done
    }

    /// pwrite(2) until every byte is written. A failure after some bytes answers the count so
    /// far, as write(2) itself does; a failure before any is thrown.
    private static func writeFully(_ memfd: borrowing Memfd, _ bytes: [UInt8], at offset: Int64) throws(Errno)
        -> Int
    {
        var done = 0
        repeat {
            let result = bytes.withUnsafeBytes { buffer in
                Result { () throws(Errno) in
                    try memfd.write(
                        UnsafeRawBufferPointer(rebasing: buffer[done...]), at: offset + Int64(done))
                }
            }
            switch result {
            case .success(0): return done  // no progress: report what was written, don't spin
            case .success(let count): done += count
            case .failure(let error): if done == 0 { throw error } else { return done }
            }
        } while done < bytes.count
        return done
    }
}
