import SystemPackage

/// A memfd whose descriptor is outside gmemd: handed to a process consumer, or adopted from a
/// process that may keep its own. gmemd cannot take such a descriptor back, so it keeps its
/// word another way: it re-reads what the kernel says (fstat, F_GET_SEALS) before it answers,
/// refuses the inaccessible seal (a receiver could map the file), and frees the memory on delete.
extension MemoryFile {
    /// Opens a descriptor with `access` for `consumer`, counted on it. Refused with EPERM for an
    /// inaccessible file (its content must not leave), under `no_new_consumers`, and for a
    /// detached consumer.
    func openDescriptor(_ access: DescriptorAccess, for consumer: Consumer) throws(GuestMemError)
        -> FileDescriptor
    {
        try state.withLock { (state) throws(GuestMemError) -> FileDescriptor in
            try Self.requireAccessible(state)
            if state.serviceSeals.contains(.noNewConsumers) {
                throw .refused("no_new_consumers: nothing new is exported", errno: .notPermitted)
            }
            let fd = try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
                try kernel("open(/proc/self/fd)") { () throws(Errno) in try memfd.reopen(access) }
            }
            guard consumer.countHandOut() else {
                try? fd.close()
                throw .refused("consumer \(consumer.id) is detached", errno: .notPermitted)
            }
            state.isExported = true
            return fd
        }
    }

    /// Whether a descriptor of this file is outside gmemd.
    var isExported: Bool { state.withLock { $0.isExported } }

    /// Books into `charge` what a holder of the descriptor allocated or freed since gmemd last
    /// looked (st_blocks); nothing for a file whose descriptor never left.
    func recountExported(_ charge: inout Charge) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            guard state.isExported, !state.isDeleted else { return }
            _ = try recount(&state, &charge)
        }
    }

    /// Delete's rule for an exported file: refused with EBUSY while process consumers are
    /// attached, unless `force`; then the whole file is punched, so that the memory is freed even
    /// though a receiver's descriptor keeps the file alive (its mappings read zeros), and the
    /// tenant's usage drops only by what the kernel really freed.
    func punchForDelete(force: Bool, _ state: inout State, _ charge: inout Charge) throws(GuestMemError) {
        guard state.isExported else { return }
        if !force, state.consumers.attached.contains(where: { $0.kind == .process }) {
            throw .refused(
                "process consumers hold its descriptor; detach them, or delete with force=true, "
                    + "which punches the whole file first", errno: .resourceBusy)
        }
        let size = try self.size(state)
        guard let span = Self.shrinkSpan(to: 0, from: size, state) else { return }
        try Self.withMemfd(state, id) { (memfd) throws(GuestMemError) in
            try kernel("fallocate") { () throws(Errno) in try memfd.punchHole(span) }
        }
        state.map.punch(span)
        _ = try recount(&state, &charge)
    }
}
