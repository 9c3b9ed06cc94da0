import SystemPackage

/// A memfd whose descriptor is outside gmemd: handed to a process consumer, or adopted from a
/// process that may keep its own. gmemd cannot take such a descriptor back, so it keeps its
/// word another way: it re-reads what the kernel says (fstat, F_GET_SEALS) before it answers
/// (State.canDrift),
/// refuses the inaccessible seal (a receiver could map the file), and frees the memory on delete.
extension ManagedFile {
    /// Opens a descriptor with `access` for `consumer`, counted on it. Refused with EPERM for a
    /// guest_memfd and an inaccessible file (their content must not leave), under
    /// `no_new_consumers`, and for a detached consumer.
    func openDescriptor(_ access: DescriptorAccess, for consumer: Consumer) throws(GuestMemError)
        -> FileDescriptor
    {
        try operating { (backing) throws(GuestMemError) -> FileDescriptor in
            try withState { (state) throws(GuestMemError) in
                try Self.requireExportable(state, self)
                if state.serviceSeals.contains(.noNewConsumers) {
                    throw .refused("no_new_consumers: nothing new is exported", errno: .notPermitted)
                }
            }
            // requireExportable refused a guest_memfd.
            let fd = try kernel("open(/proc/self/fd)") { () throws(Errno) in
                switch backing {
                case .memfd(let file): try file.memfd.reopen(access)
                case .guestMemfd: throw .notPermitted
                }
            }
            guard consumer.countHandOut() else {
                try? fd.close()
                throw .refused("consumer \(consumer.id) is detached", errno: .notPermitted)
            }
            try withState { (state) throws(GuestMemError) in
                state.isExported = true
                state.consumers.noteChange()
            }
            return fd
        }
    }

    /// Refuses a descriptor for a guest_memfd or an inaccessible file: EPERM.
    static func requireExportable(_ state: borrowing State, _ file: ManagedFile) throws(GuestMemError) {
        if file.isGuestMemfd {
            throw .refused("a guest_memfd file's descriptor never leaves gmemd", errno: .notPermitted)
        }
        if state.isInaccessible {
            throw .refused("file is inaccessible: its descriptor never leaves gmemd", errno: .notPermitted)
        }
    }

    /// Books into `charge` what the holders of the file's descriptor or the writers through its
    /// mapping allocated or freed since gmemd last looked (st_blocks); nothing for a file whose
    /// figures cannot drift (State.canDrift). Takes only the state lock: the tenant's usage calls it.
    func recountDrifting(_ charge: inout Charge) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            guard let figures = try driftedFigures(state) else { return }
            book(figures.allocatedBytes, &state, &charge)
        }
    }

    /// Delete's rule for an exported file, under the operation lock: refused with EBUSY while
    /// process consumers are attached, unless `force`; then the whole file is punched, so that
    /// the memory is freed even though a receiver's descriptor keeps the file alive (its mappings
    /// read zeros), and the tenant's usage drops only by what the kernel really freed.
    func punchForDelete(force: Bool, _ backing: inout FileBacking, _ charge: inout Charge)
        throws(GuestMemError)
    {
        let isExported = try withState { (state) throws(GuestMemError) -> Bool in
            guard state.isExported else { return false }
            if !force, state.consumers.attached.contains(where: { $0.kind == .process }) {
                throw .refused(
                    "process consumers hold its descriptor; detach them, or delete with force=true, "
                        + "which punches the whole file first", errno: .resourceBusy)
            }
            return true
        }
        guard isExported else { return }
        let size = try backing.status().size
        guard let span = Self.span(from: 0, to: max(size, backing.allocatedEnd)) else { return }
        try backing.fallocate(.punchHole, span)
        let after = try recount(&backing, &charge)
        try withState { (state) throws(GuestMemError) in Self.touch(&state, after: after) }
    }
}
