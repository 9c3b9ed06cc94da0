import SystemPackage

/// A file a kvm consumer binds as a memslot. Binding and attaching happen in one hold of the
/// file's operation lock, taken inside the VM's (HeldVM), so the consumer exists exactly when
/// the slot does.
extension ManagedFile {
    /// Binds `range` of the file at `gpa` in `vm` (to the file's size when `isOpenEnded`), then
    /// attaches the consumer `make` builds for the slot. If the attach is refused, the slot is
    /// deleted again. The kernel's refusals come back with their errno (kernel-semantics.md §1m):
    /// for a guest_memfd, KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD at the range's
    /// offset, one binding per page (a second over the same pages is EINVAL, B2), a file of another
    /// VM EINVAL (B7), overlapping guest addresses EEXIST (B3); for a memfd, a shared mapping of
    /// the range as the slot's userspace_addr, which mmap(2) answers first (a write-sealed memfd
    /// is EPERM). An inaccessible memfd lends its content to no one: EPERM.
    func bind(
        _ range: ByteRange, isOpenEnded: Bool, at gpa: UInt64, in vm: inout VirtualMachine,
        attaching make: (Memslot, ByteRange) -> Consumer
    ) throws(GuestMemError) -> Consumer {
        try operating { (backing) throws(GuestMemError) -> Consumer in
            try withState { (state) throws(GuestMemError) in try Self.requireAccessible(state, self) }
            let size = try backing.status().size
            let range = isOpenEnded ? try ByteRange(offset: range.offset, length: size - range.offset) : range
            let memslot = try kernel("KVM_SET_USER_MEMORY_REGION2") { () throws(Errno) in
                switch backing {
                case .memfd(let file): try vm.bind(memfd: file.memfd.fd, range, at: gpa)
                case .guestMemfd(let file): try vm.bind(file, range, at: gpa)
                }
            }
            return try withState { (state) throws(GuestMemError) -> Consumer in
                // Mapped from here on, even if the attach is refused and the slot goes: its
                // mapping may have let pages change meanwhile (State.canDrift).
                if !isGuestMemfd { state.isMapped = true }
                return try state.consumers.attach(
                    bound: memslot, in: &vm, seals: state.serviceSeals, make(memslot, range))
            }
        }
    }
}

extension ConsumerTable {
    /// Attaches the consumer for a slot just bound, or deletes the slot again and throws why not.
    mutating func attach(
        bound memslot: Memslot, in vm: inout VirtualMachine, seals: SealSet, _ consumer: Consumer
    ) throws(GuestMemError) -> Consumer {
        do {
            try attach(consumer, seals: seals)
            return consumer
        } catch {
            // The slot was bound a moment ago under the same locks: deleting it cannot fail.
            try? vm.unbind(memslot)
            throw error
        }
    }
}
