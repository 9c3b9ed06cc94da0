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

extension Memslot {
    /// Kernel memory KVM allocates for a slot of `length` bytes, whatever backs it and whether or
    /// not a page of it is ever touched: on x86-64, 8 bytes of rmap and 2 of write tracking per
    /// 4 KiB page (kvm_arch_alloc_memslot_metadata). The isolation issue measured 2.5 MiB per GiB:
    /// a 512 GiB binding of a sparse memfd took 1,286 MiB of vmalloc that nobody was charged for.
    /// gmemd counts it as the tenant's locked memory while the slot is bound.
    package static func metadataBytes(length: Int64) -> Int64 {
        let pages = length / 4096 + (length % 4096 == 0 ? 0 : 1)
        return pages * 10
    }

    /// What this slot costs the kernel (`metadataBytes(length:)`).
    package var metadataBytes: Int64 { Self.metadataBytes(length: fileRange.length) }
}
