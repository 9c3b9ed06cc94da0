/// One memslot of a VM: a range of guest physical addresses backed by a range of a file.
/// A value describing what the kernel accepted; the VM that bound it owns the binding.
package struct Memslot: Hashable, Sendable {
    /// What backs the slot.
    package enum Backing: Hashable, Sendable {
        /// A guest_memfd of the same VM, bound with KVM_MEM_GUEST_MEMFD. Immutable: the kernel
        /// refuses any change but deletion (kernel-semantics.md B15, B16).
        case guestMemfd
        /// A shared mapping of a memfd, made by the VM, given as userspace_addr.
        case memfd
    }

    /// The slot id, unique in its VM and below KVM_CAP_NR_MEMSLOTS.
    package let id: UInt32
    /// The first guest physical address.
    package let guestPhysicalAddress: UInt64
    /// The file's bytes that back the slot; its length is the slot's size.
    package let fileRange: ByteRange
    package let backing: Backing
}
