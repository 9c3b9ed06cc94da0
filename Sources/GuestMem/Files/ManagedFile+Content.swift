import SystemPackage

extension ManagedFile {
    /// The bytes of `range` that lie inside the file: fewer at the end, none past it. Refused
    /// with EPERM once an inaccessible memfd, with the reason for a guest_memfd gmemd does not
    /// map, and with ENOMEM when more than `maxBytes` would have to be copied into memory. A
    /// guest_memfd's holes read as zeros and are not faulted in (A14): a read allocates nothing.
    func read(_ range: ByteRange, maxBytes: Int64) throws(GuestMemError) -> [UInt8] {
        try requireMappable()
        return try operating { (backing) throws(GuestMemError) -> [UInt8] in
            try withState { (state) throws(GuestMemError) in try Self.requireAccessible(state, self) }
            let size = try backing.status().size
            let length = max(0, min(range.length, size - range.offset))
            guard length <= maxBytes else {
                throw .invalid(
                    "a read copies at most \(maxBytes) bytes; ask for a Range, or send it from a "
                        + "ContentHandle", errno: .noMemory)
            }
            var bytes = [UInt8](repeating: 0, count: Int(length))
            let read: Int
            switch backing {
            case .memfd(let file):
                read = try kernel("pread") { () throws(Errno) in
                    try Self.readFully(file.memfd, into: &bytes, at: range.offset)
                }
            case .guestMemfd(let file):
                read = try kernel("mmap access") { () throws(Errno) in
                    try bytes.withUnsafeMutableBytes { buffer in
                        Result { () throws(Errno) in try file.read(into: buffer, at: range.offset) }
                    }.get()
                }
            }
            return Array(bytes.prefix(read))
        }
    }

    /// A dup of the memfd and the size now, for sendfile(2), holding `claim`. EPERM once
    /// inaccessible; a guest_memfd's content is never sent from its fd (ESPIPE, G2).
    func openContent(claim: () throws(GuestMemError) -> DescriptorClaim) throws(GuestMemError)
        -> ContentHandle
    {
        try requireMappable()
        return try operating { (backing) throws(GuestMemError) -> ContentHandle in
            try withState { (state) throws(GuestMemError) in try Self.requireAccessible(state, self) }
            switch backing {
            case .memfd(let file):
                let size = try kernel("fstat") { () throws(Errno) in try file.memfd.status().size }
                let claim = try claim()
                let fd = try kernel("fcntl(F_DUPFD_CLOEXEC)") { () throws(Errno) in try file.memfd.duplicate()
                }
                return ContentHandle(fd: fd, size: size, claim: claim)
            case .guestMemfd:
                // The kernel's answer to pread(2) or sendfile(2) from a guest_memfd (G2).
                throw .invalid(
                    "a guest_memfd's content is read with read(), not sent from its fd", errno: .illegalSeek)
            }
        }
    }

    /// Writes `bytes` at `offset` within what `reservation` set aside: pwrite(2) on a memfd,
    /// whose seals answer (write, future_write; grow past the end: EPERM); through the mapping,
    /// all or nothing, on a guest_memfd, whose fixed size refuses a write past it (EFBIG).
    /// Answers the bytes written, the size after and the version after (the file's new ETag,
    /// read under the same lock as the change), or nil when the file's memory turned locked
    /// since reserving. The pages written go into the dirty log. `versions`, when given, must
    /// hold the current version.
    func write(
        _ bytes: [UInt8], at offset: Int64, expecting versions: Set<UInt64>?, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> ContentWrite? {
        try requireMappable()
        return try operating { (backing) throws(GuestMemError) -> ContentWrite? in
            try requireVersion(versions)
            guard reservation.isLocked == allocationIsLocked else { return nil }
            try withState { (state) throws(GuestMemError) in try Self.requireAccessible(state, self) }
            guard let range = try Self.writeRange(offset: offset, count: bytes.count) else {
                let size = try backing.status().size
                return ContentWrite(written: 0, size: size, version: try withState { $0.version })
            }
            let (count, sizeBefore, after) = try allocating(
                range, within: reservation, host: host, &backing, &charge
            ) { (backing) throws(GuestMemError) in try Self.write(bytes, at: offset, &backing) }
            let version = try withState { (state) throws(GuestMemError) -> UInt64 in
                if count > 0 {
                    // `count` ≤ bytes.count, so this range is inside the checked one.
                    state.consumers.dirty.insert(try ByteRange(offset: offset, length: Int64(count)))
                    state.consumers.notifyResize(from: sizeBefore, to: after.size)
                    Self.touch(&state, after: after)
                } else {
                    Self.touchIfMoved(&state, after: after)
                }
                return state.version
            }
            return ContentWrite(written: Int64(count), size: after.size, version: version)
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

    /// Refuses content access, before any mapping is touched, to a guest_memfd gmemd did not map.
    func requireMappable() throws(GuestMemError) {
        guard case .guestMemfd(_, _, let flags) = backend, !flags.isMappable else { return }
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

    /// Refuses content access to an inaccessible memfd, as a seal would: EPERM. (A guest_memfd
    /// that is inaccessible is one `requireMappable` refused already.)
    static func requireAccessible(_ state: borrowing State, _ file: ManagedFile) throws(GuestMemError) {
        if state.isInaccessible, !file.isGuestMemfd {
            throw .refused("file is inaccessible", errno: .notPermitted)
        }
    }

    /// Writes `bytes` at `offset` into the backing and records the pages they allocate.
    private static func write(_ bytes: [UInt8], at offset: Int64, _ backing: inout FileBacking)
        throws(GuestMemError) -> Int
    {
        try backing.update(
            memfd: { (memfd, map) throws(GuestMemError) in
                let count = try kernel("pwrite") { () throws(Errno) in
                    try writeFully(memfd, bytes, at: offset)
                }
                // `count` ≤ bytes.count, and offset + bytes.count was checked not to overflow.
                if count > 0 { map.allocate(try ByteRange(offset: offset, length: Int64(count))) }
                return count
            },
            guestMemfd: { (file) throws(GuestMemError) in
                try kernel("mmap access") { () throws(Errno) in
                    try bytes.withUnsafeBytes { buffer in
                        Result { () throws(Errno) in try file.write(buffer, at: offset) }
                    }.get()
                }
            })
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
