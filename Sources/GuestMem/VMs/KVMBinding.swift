/// A kvm consumer's memslot: the VM it is bound in and the slot the kernel accepted.
package struct KVMBinding: Hashable, Sendable {
    package let vm: VMID
    package let memslot: Memslot
}

/// Where a kvm consumer asks to be bound: a VM of its tenant and the guest physical address its
/// range starts at.
package struct KVMBindingRequest: Hashable, Sendable {
    package var vm: VMID
    package var gpa: UInt64

    package init(vm: VMID, gpa: UInt64) {
        self.vm = vm
        self.gpa = gpa
    }
}
