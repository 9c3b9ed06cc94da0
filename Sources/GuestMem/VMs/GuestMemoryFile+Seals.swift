import SystemPackage

extension GuestMemoryFile {
    /// Adds `seals`, all or none. A guest_memfd has no kernel seals: any F_SEAL_* is passed to
    /// F_ADD_SEALS for the kernel to refuse (EINVAL, kernel-semantics.md G9). `inaccessible`
    /// needs a file with no content mapped, and a mappable guest_memfd is mapped from its
    /// creation: EBUSY, as for a memfd. `no_new_consumers` is the service's and always goes on.
    /// `versions`, when given, must hold the current version.
    func addSeals(_ seals: SealSet, expecting versions: Set<UInt64>?) throws(GuestMemError) -> FileSnapshot {
        guard seals.unknownBits == 0 else {
            throw .invalid("unknown seal bits \(seals.unknownBits)", errno: .invalidArgument)
        }
        return try state.withLock { (state) throws(GuestMemError) in
            try Self.requireVersion(versions, state)
            if seals.kernelBits != 0 {
                try Self.withFile(&state, id) { (file) throws(GuestMemError) in
                    try kernel("fcntl(F_ADD_SEALS)") { () throws(Errno) in try file.addSeals(seals) }
                }
            }
            if seals.contains(.inaccessible), !state.serviceSeals.contains(.inaccessible) {
                throw .refused(
                    "inaccessible needs a file with no content mapped; gmemd maps a guest_memfd made "
                        + "with mmap and init_shared from its creation", errno: .resourceBusy)
            }
            let before = try snapshot(&state)
            state.serviceSeals.formUnion(seals.serviceSeals)
            if state.serviceSeals == before.seals { return before }
            Self.touch(&state)
            state.consumers.notifySeals(state.serviceSeals)
            return try snapshot(&state)
        }
    }
}
