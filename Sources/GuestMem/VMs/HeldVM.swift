import Synchronization
import SystemPackage

/// One KVM VM gmemd holds for a tenant, and the guest_memfd files made on it.
///
/// Locking: `state` guards the VM fd and the list of its files; it is held across the VM's own
/// ioctls (KVM_CREATE_GUEST_MEMFD, KVM_SET_USER_MEMORY_REGION2), which are quick. No other lock
/// is taken while it is held. The VM is never closed under it: closing deletes its memslots.
final class HeldVM: Sendable {
    let id: VMID
    let tenant: TenantID
    let name: String?
    let createdAt: Timestamp
    let maxMemslots: Int
    private let state: Mutex<State>

    private struct State: ~Copyable {
        /// nil once deleted: every later call answers notFound.
        var vm: VirtualMachine?
        var files: Set<FileID> = []
    }

    init(id: VMID, tenant: TenantID, name: String?, vm: consuming VirtualMachine) {
        (self.id, self.tenant, self.name, createdAt) = (id, tenant, name, .now())
        maxMemslots = vm.maxMemslots
        state = Mutex(State(vm: vm))
    }

    func snapshot() throws(GuestMemError) -> VMSnapshot {
        try state.withLock { (state) throws(GuestMemError) in
            let memslots = try Self.withVM(&state, id) { (vm) throws(GuestMemError) in vm.memslots }
            return VMSnapshot(
                id: id, name: name, createdAt: createdAt, files: state.files.sorted(), memslots: memslots,
                maxMemslots: maxMemslots)
        }
    }

    /// Creates a guest_memfd of `size` bytes on this VM and records it as `fileID`. The kernel
    /// judges size and flags (kernel-semantics.md C1, C6): EINVAL comes back unchanged.
    func createGuestMemfd(_ fileID: FileID, size: Int64, flags: GuestMemfdFlags) throws(GuestMemError)
        -> GuestMemfd
    {
        try state.withLock { (state) throws(GuestMemError) -> GuestMemfd in
            let file = try Self.withVM(&state, id) { (vm) throws(GuestMemError) in
                try kernel("KVM_CREATE_GUEST_MEMFD") { () throws(Errno) in
                    try GuestMemfd(in: vm, size: size, flags: flags)
                }
            }
            state.files.insert(fileID)
            return file
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

    /// Takes the VM out, so every later call answers notFound, with the files still made on it.
    /// Unless `cascade`, a VM with files or memslots is refused with EBUSY and stays as it was.
    /// The caller deletes the files, then closes the VM outside every lock.
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
            return Removed(vm: vm, files: state.files.sorted())
        }
    }

    /// A VM taken out of gmemd's hands, and the files still made on it.
    struct Removed: ~Copyable {
        var vm: VirtualMachine
        let files: [FileID]
    }

    private static func withVM<R: ~Copyable>(
        _ state: inout State, _ id: VMID, _ body: (inout VirtualMachine) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        try state.vm.whilePresent(orThrow: .notFound("no vm \(id)"), body)
    }
}
