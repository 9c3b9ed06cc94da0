/// kvm consumers bound for real: attaching one with a VM and a guest physical address binds its
/// range as a memslot of that VM (KVM_SET_USER_MEMORY_REGION2), and detaching it deletes the slot.
extension MemoryStore {
    /// Binds `range` of `file` at `request.gpa` in the tenant's VM `request.vm` and attaches the
    /// consumer `make` builds for the slot, in one step (HeldVM.bind). Only a kvm consumer binds
    /// (EINVAL otherwise); without KVM, refused with the reason; another tenant's VM is an unknownReference.
    func attach(
        _ kind: ConsumerKind, bound request: KVMBindingRequest, _ range: ByteRange, isOpenEnded: Bool,
        to file: ManagedFile, of tenantID: TenantID, _ make: (KVMBinding, ByteRange) -> Consumer
    ) throws(GuestMemError) -> Consumer {
        guard kind == .kvm else {
            throw .invalid("vm and gpa bind a memslot for a kvm consumer only", errno: .invalidArgument)
        }
        try features.require(.vms)
        let held = try referencedVM(request.vm, of: tenantID)
        return try held.bind(file, range, isOpenEnded: isOpenEnded, at: request.gpa, attaching: make)
    }

    /// Deletes the memslots of those of `consumers` that are bound: a detach, or the deletion of
    /// their file, ends the binding before it answers.
    func unbind(_ consumers: [Consumer]) {
        for consumer in consumers {
            guard let binding = consumer.binding else { continue }
            maps.withLock { $0.vms[binding.vm] }?.unbind(consumer)
        }
    }
}
