import SystemPackage

extension MemoryFile {
    /// The seals now set: the kernel's F_GET_SEALS answer and the service seals.
    func seals() throws(GuestMemError) -> SealSet {
        try snapshot().seals
    }

    /// Adds `seals`, all or none. The service checks what it enforces first, then asks the
    /// kernel, whose refusal (EPERM, EBUSY) leaves every seal as it was; service seals are set
    /// only after the kernel said yes. Consumers hear `seal` when the set grew.
    ///
    /// A pin is the design's get_lock_pfn, a page reference the kernel cannot see: `write` or
    /// `future_write` while one is live is EBUSY, as the kernel refuses F_SEAL_WRITE while pages
    /// are pinned (kernel-semantics.md W8, T23). `versions`, when given, must hold the current
    /// version.
    func addSeals(_ seals: SealSet, expecting versions: Set<UInt64>?) throws(GuestMemError) -> FileSnapshot {
        guard seals.unknownBits == 0 else {
            throw .invalid("unknown seal bits \(seals.unknownBits)", errno: .invalidArgument)
        }
        return try state.withLock { (state) throws(GuestMemError) in
            try Self.requireVersion(versions, state)
            let before = try snapshot(state).seals
            // The kernel's rule, also for service seals: after `seal`, nothing more (S7).
            if before.contains(.seal) { throw .kernel("fcntl(F_ADD_SEALS)", .notPermitted) }
            if seals.contains(.inaccessible), !state.isInaccessible {
                if state.isExported {
                    throw .refused(
                        "inaccessible: a descriptor of this file is outside gmemd and could map it",
                        errno: .resourceBusy)
                }
                try requireEmpty(state)
            }
            let writeSeals = seals.intersection([.write, .futureWrite]).subtracting(before)
            if !writeSeals.isEmpty, let holder = state.consumers.pagesInUse(countingBindings: false) {
                throw .refused("a write seal waits for pinned pages; \(holder)", errno: .resourceBusy)
            }
            if seals.kernelBits != 0 {
                try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                    try kernel("fcntl(F_ADD_SEALS)") { () throws(Errno) in try memfd.addSeals(seals) }
                }
            }
            state.serviceSeals.formUnion(seals.serviceSeals)
            let after = try snapshot(state)
            if after.seals == before { return after }
            state.consumers.notifySeals(after.seals)
            Self.touch(&state)
            return try snapshot(state)
        }
    }

    /// The inaccessible seal only goes on an empty file that nothing maps or binds: size 0,
    /// nothing allocated, not even past the end (F8), no memslot (a memslot maps the file shared,
    /// and would hand the guest the pages a later grow and allocate make), no pin. Else EBUSY, as
    /// the kernel answers a write seal over a mapping.
    private func requireEmpty(_ state: borrowing State) throws(GuestMemError) {
        if let holder = state.consumers.pagesInUse(countingBindings: true) {
            throw .refused("inaccessible needs a file nothing maps or binds; \(holder)", errno: .resourceBusy)
        }
        let status = try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
            try kernel("fstat") { () throws(Errno) in try memfd.status() }
        }
        guard status.size == 0, status.allocatedBytes == 0 else {
            throw .refused(
                "inaccessible needs an empty file; it has size \(status.size), "
                    + "\(status.allocatedBytes) bytes allocated", errno: .resourceBusy)
        }
    }
}
