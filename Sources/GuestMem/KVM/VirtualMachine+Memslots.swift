import CKVM
import Posix
package import SystemPackage

extension VirtualMachine {
    /// Binds `range` of `file` at guest physical address `gpa`, in the lowest free slot id.
    ///
    /// The kernel judges the rest and its answers are passed through (kernel-semantics.md §1m):
    /// a range overlapping another binding of the same file, a file of another VM, an unaligned
    /// range or address, or a range outside the file is EINVAL; a `gpa` range overlapping
    /// another slot is EEXIST. The userspace_addr is the file's own mapping when it has one,
    /// else 0, which the kernel accepts for a guest_memfd slot (B11, B23).
    /// The corresponding C call is `ioctl(vm, KVM_SET_USER_MEMORY_REGION2, …)` with KVM_MEM_GUEST_MEMFD.
    package mutating func bind(_ file: borrowing GuestMemfd, _ range: ByteRange, at gpa: UInt64) throws(Errno)
        -> Memslot
    {
        let memslot = Memslot(
            id: try freeSlotID(), guestPhysicalAddress: gpa, fileRange: range, backing: .guestMemfd)
        var region = Self.region(memslot, userspaceAddress: file.userspaceAddress(of: range))
        region.guest_memfd = UInt32(file.fd.rawValue)
        region.guest_memfd_offset = UInt64(range.offset)
        try Self.setUserMemoryRegion2(fd, region)
        // The slot keeps the file's mapping alive, should the file be closed before the slot.
        bindings[memslot.id] = Binding(memslot: memslot, mapping: file.mapping)
        return memslot
    }

    /// Maps `range` of `memfd` shared and read-write, and binds the mapping at guest physical
    /// address `gpa` in the lowest free slot id. The mapping lives until the slot is deleted.
    /// mmap(2) judges the file range first (a write-sealed memfd is EPERM, an unaligned offset
    /// EINVAL), then the kernel the slot: unaligned is EINVAL, a `gpa` overlap EEXIST.
    /// The corresponding C calls are `mmap` and `ioctl(vm, KVM_SET_USER_MEMORY_REGION2, …)`.
    package mutating func bind(memfd: FileDescriptor, _ range: ByteRange, at gpa: UInt64) throws(Errno)
        -> Memslot
    {
        let memslot = Memslot(
            id: try freeSlotID(), guestPhysicalAddress: gpa, fileRange: range, backing: .memfd)
        let mapping = try SharedMapping(memfd, offset: range.offset, length: range.length)
        try Self.setUserMemoryRegion2(fd, Self.region(memslot, userspaceAddress: mapping.userspaceAddress))
        bindings[memslot.id] = Binding(memslot: memslot, mapping: mapping)
        return memslot
    }

    /// Deletes `memslot`, then drops its mapping. ENOENT if this VM has no such slot.
    /// The corresponding C call is `ioctl(vm, KVM_SET_USER_MEMORY_REGION2, …)` with memory_size 0.
    package mutating func unbind(_ memslot: Memslot) throws(Errno) {
        guard bindings[memslot.id]?.memslot == memslot else { throw .noSuchFileOrDirectory }
        try Self.deleteMemslot(fd, memslot)
        bindings[memslot.id] = nil
    }

    /// A slot delete: the same slot, flags and address with memory_size 0.
    static func deleteMemslot(_ vm: FileDescriptor, _ memslot: Memslot) throws(Errno) {
        var region = region(memslot, userspaceAddress: 0)
        region.memory_size = 0
        try setUserMemoryRegion2(vm, region)
    }

    /// The lowest id no live slot uses; ENOSPC when all KVM_CAP_NR_MEMSLOTS are bound.
    private func freeSlotID() throws(Errno) -> UInt32 {
        guard let id = (0..<UInt32(maxMemslots)).first(where: { bindings[$0] == nil }) else { throw .noSpace }
        return id
    }

    private static func region(_ memslot: Memslot, userspaceAddress: UInt64)
        -> gmemd_kvm_userspace_memory_region2
    {
        var region = gmemd_kvm_userspace_memory_region2()
        region.slot = memslot.id
        region.flags = memslot.backing == .guestMemfd ? UInt32(GMEMD_KVM_MEM_GUEST_MEMFD) : 0
        region.guest_phys_addr = memslot.guestPhysicalAddress
        region.memory_size = UInt64(memslot.fileRange.length)
        region.userspace_addr = userspaceAddress
        return region
    }

    /// The corresponding C call is `ioctl(vm, KVM_SET_USER_MEMORY_REGION2, region)`.
    private static func setUserMemoryRegion2(
        _ vm: FileDescriptor, _ region: gmemd_kvm_userspace_memory_region2
    ) throws(Errno) {
        var region = region
        _ = try syscall("KVM_SET_USER_MEMORY_REGION2") {
            gmemd_kvm_set_user_memory_region2(vm.rawValue, &region)
        }
    }
}
