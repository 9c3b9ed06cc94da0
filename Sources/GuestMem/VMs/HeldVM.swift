import Synchronization
import SystemPackage

/// One KVM VM gmemd holds for a tenant, the guest_memfd files made on it and the kvm consumers
/// bound in it.
///
/// Locking: `state` guards the VM fd, its files and its bound consumers; it is held across the
/// VM's own ioctls (KVM_CREATE_GUEST_MEMFD, KVM_SET_USER_MEMORY_REGION2), which are quick. The
/// only lock taken while it is held is a file's, to bind that file and attach its consumer in one
/// step (MemslotBacking): the VM's lock comes first, and no file's lock is held while a VM's is
/// taken. The VM is never closed under it: closing deletes its memslots.
final class HeldVM: Sendable {
    let id: VMID
    let tenant: TenantID
    let name: String?
    let createdAt: Timestamp
    let maxMemslots: Int
    private let state: RankedMutex<State>

    private struct State: ~Copyable {
        /// nil once deleted: every later call answers notFound.
        var vm: VirtualMachine?
        var files: Set<FileID> = []
        /// The kvm consumers whose memslot is bound in this VM.
        var bound: [ConsumerID: Consumer] = [:]
    }

    init(id: VMID, tenant: TenantID, name: String?, vm: consuming VirtualMachine) {
        (self.id, self.tenant, self.name, createdAt) = (id, tenant, name, .now())
        maxMemslots = vm.maxMemslots
        state = RankedMutex(.vm, State(vm: vm))
    }

    func snapshot() throws(GuestMemError) -> VMSnapshot {
        try state.withLock { (state) throws(GuestMemError) in
            guard state.vm != nil else { throw .notFound("no vm \(id)") }
            let memslots = state.bound.values.compactMap { consumer in
                consumer.binding.map {
                    VMSnapshot.BoundMemslot(
                        memslot: $0.memslot, consumer: consumer.id, file: consumer.file.id)
                }
            }
            return VMSnapshot(
                id: id, name: name, createdAt: createdAt, files: state.files.sorted(),
                memslots: memslots.sorted { $0.memslot.id < $1.memslot.id }, maxMemslots: maxMemslots)
        }
    }

    /// Creates a guest_memfd of `size` bytes on this VM and records it as `fileID`. The kernel
    /// judges size and flags (kernel-semantics.md C1, C6): EINVAL comes back unchanged. The file
    /// holds `claim` while it is open.
    func createGuestMemfd(
        _ fileID: FileID, size: Int64, flags: GuestMemfdFlags, claim: DescriptorClaim
    ) throws(GuestMemError) -> GuestMemfd {
        try state.withLock { (state) throws(GuestMemError) -> GuestMemfd in
            var file = try Self.withVM(&state, id) { (vm) throws(GuestMemError) in
                try kernel("KVM_CREATE_GUEST_MEMFD") { () throws(Errno) in
                    try GuestMemfd(in: vm, size: size, flags: flags)
                }
            }
            file.claim = claim
            state.files.insert(fileID)
            return file
        }
    }

    /// Binds `range` of `file` at `gpa` and attaches the kvm consumer `make` builds for that slot,
    /// in one step: the kernel refuses the binding (its errno comes back) or the file refuses the
    /// consumer (then the slot is deleted again), and nothing is left behind.
    func bind(
        _ file: ManagedFile, _ range: ByteRange, isOpenEnded: Bool, at gpa: UInt64,
        attaching make: (KVMBinding, ByteRange) -> Consumer
    ) throws(GuestMemError) -> Consumer {
        try state.withLock { (state) throws(GuestMemError) -> Consumer in
            let consumer = try Self.withVM(&state, id) { (vm) throws(GuestMemError) in
                try file.bind(range, isOpenEnded: isOpenEnded, at: gpa, in: &vm) { memslot, range in
                    make(KVMBinding(vm: id, memslot: memslot), range)
                }
            }
            state.bound[consumer.id] = consumer
            return consumer
        }
    }

    /// Deletes `consumer`'s memslot, if it is still bound here. A VM deleted meanwhile deleted
    /// every slot as it closed.
    func unbind(_ consumer: Consumer) {
        state.withLock { state in
            guard let binding = consumer.binding, state.bound.removeValue(forKey: consumer.id) != nil else {
                return
            }
            // Deleting a slot gmemd bound is refused only for a gmemd bug; it goes with the VM then.
            try? Self.withVM(&state, id) { (vm) throws(GuestMemError) in
                try kernel("KVM_SET_USER_MEMORY_REGION2") { () throws(Errno) in try vm.unbind(binding.memslot)
                }
            }
        }
    }

    /// Whether the VM is still held and lists `fileID`.
    func holds(_ fileID: FileID) -> Bool {
        state.withLock { $0.vm != nil && $0.files.contains(fileID) }
    }

    /// Forgets a file that was deleted.
    func forget(_ fileID: FileID) {
        _ = state.withLock { $0.files.remove(fileID) }
    }

    /// Takes the VM out, so every later call answers notFound, with the files still made on it
    /// and the consumers still bound in it. Unless `cascade`, a VM with files or memslots is
    /// refused with EBUSY and stays as it was. The caller deletes the files, detaches the
    /// consumers, then closes the VM outside every lock, which deletes the slots.
    func remove(cascade: Bool) throws(GuestMemError) -> Removed {
        try state.withLock { (state) throws(GuestMemError) -> Removed in
            guard let vm = state.vm.take() else { throw .notFound("no vm \(id)") }
            let memslots = vm.memslots.count
            if !cascade, !state.files.isEmpty || memslots > 0 {
                state.vm = consume vm
                throw .refused(
                    "vm \(id) has \(state.files.count) guest_memfd file(s) and \(memslots) binding(s); "
                        + "delete them first, or delete with cascade=true", errno: .resourceBusy)
            }
            let bound = Array(state.bound.values)
            state.bound = [:]
            return Removed(vm: vm, files: state.files.sorted(), bound: bound)
        }
    }

    /// A VM taken out of gmemd's hands, the files still made on it and the consumers bound in it.
    struct Removed: ~Copyable {
        var vm: VirtualMachine
        let files: [FileID]
        let bound: [Consumer]
    }

    /// Runs `body` on the VM while gmemd holds it. Every caller reaches the VM through a request
    /// body (a guest_memfd's `vm`, a binding's), so one deleted meanwhile is an unknown reference
    /// (422), as one that never was: 404 is for the URL's own resource.
    private static func withVM<R: ~Copyable>(
        _ state: inout State, _ id: VMID, _ body: (inout VirtualMachine) throws(GuestMemError) -> sending R
    ) throws(GuestMemError) -> sending R {
        try state.vm.whilePresent(orThrow: .unknownReference("no vm \(id)"), body)
    }
}
