import SystemPackage

extension ManagedFile {
    /// Adds `seals`, all or none. The service checks what it enforces first, then asks the
    /// kernel, whose refusal (EPERM, EBUSY) leaves every seal as it was; service seals are set
    /// only after the kernel said yes. Consumers hear `seal` when the set grew. A guest_memfd has
    /// no kernel seals: any F_SEAL_* goes to F_ADD_SEALS first, for the kernel to refuse (EINVAL,
    /// kernel-semantics.md G9).
    ///
    /// A pin is the design's get_lock_pfn, a page reference the kernel cannot see: `write` or
    /// `future_write` while one is live is EBUSY, as the kernel refuses F_SEAL_WRITE while pages
    /// are pinned (kernel-semantics.md W8, T23). `versions`, when given, must hold the current
    /// version.
    func addSeals(_ seals: SealSet, expecting versions: Set<UInt64>?) throws(GuestMemError) -> FileSnapshot {
        guard seals.unknownBits == 0 else {
            throw .invalid("unknown seal bits \(seals.unknownBits)", errno: .invalidArgument)
        }
        return try operating { (backing) throws(GuestMemError) in
            try requireVersion(versions)
            if isGuestMemfd, seals.kernelBits != 0 { try addKernelSeals(seals, backing) }
            let before = try snapshot().seals
            try withState { (state) throws(GuestMemError) in
                // The kernel's rule, also for service seals: after `seal`, nothing more (S7).
                if before.contains(.seal) { throw .kernel("fcntl(F_ADD_SEALS)", .notPermitted) }
                if seals.contains(.inaccessible), !state.isInaccessible {
                    try requireMayTurnInaccessible(state)
                }
                let writeSeals = seals.intersection([.write, .futureWrite]).subtracting(before)
                if !writeSeals.isEmpty, let holder = state.consumers.pagesInUse(countingBindings: false) {
                    throw .refused("a write seal waits for pinned pages; \(holder)", errno: .resourceBusy)
                }
            }
            if !isGuestMemfd, seals.kernelBits != 0 { try addKernelSeals(seals, backing) }
            let figures = try backing.figures()
            return try withState { (state) throws(GuestMemError) in
                state.serviceSeals.formUnion(seals.serviceSeals)
                let after = figures.seals.union(state.serviceSeals)
                if after == before {
                    Self.touchIfMoved(&state, after: figures)
                } else {
                    state.consumers.notifySeals(after)
                    Self.touch(&state, after: figures)
                }
                return try snapshot(state)
            }
        }
    }

    /// F_ADD_SEALS with the kernel bits of `seals`.
    private func addKernelSeals(_ seals: SealSet, _ backing: borrowing FileBacking) throws(GuestMemError) {
        try kernel("fcntl(F_ADD_SEALS)") { () throws(Errno) in
            switch backing {
            case .memfd(let file): try file.memfd.addSeals(seals)
            case .guestMemfd(let file): try file.addSeals(seals)
            }
        }
    }

    /// The inaccessible seal only goes on an empty memfd that nothing maps or binds: size 0,
    /// nothing allocated, not even past the end (F8), no descriptor outside gmemd, no memslot (a
    /// memslot maps the file shared, and would hand the guest the pages a later grow and
    /// allocate make), no pin. Else EBUSY, as the kernel answers a write seal over a mapping.
    /// A guest_memfd gmemd can reach is mapped from its creation: EBUSY too.
    private func requireMayTurnInaccessible(_ state: borrowing State) throws(GuestMemError) {
        if isGuestMemfd {
            throw .refused(
                "inaccessible needs a file with no content mapped; gmemd maps a guest_memfd made "
                    + "with mmap and init_shared from its creation", errno: .resourceBusy)
        }
        if state.isExported {
            throw .refused(
                "inaccessible: a descriptor of this file is outside gmemd and could map it",
                errno: .resourceBusy)
        }
        if let holder = state.consumers.pagesInUse(countingBindings: true) {
            throw .refused("inaccessible needs a file nothing maps or binds; \(holder)", errno: .resourceBusy)
        }
        // Present while the file is (ManagedFile.State): a memfd's reader.
        let status = try kernel("fstat") { () throws(Errno) in try state.reader!.status() }
        guard status.size == 0, status.allocatedBytes == 0 else {
            throw .refused(
                "inaccessible needs an empty file; it has size \(status.size), "
                    + "\(status.allocatedBytes) bytes allocated", errno: .resourceBusy)
        }
    }
}
