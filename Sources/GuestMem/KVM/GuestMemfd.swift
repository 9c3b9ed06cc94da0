import CKVM
import CKernel
import Posix
package import SystemPackage

/// One guest_memfd: fixed-size guest memory of one VM. Not copyable: one owner, and closing it
/// twice does not compile.
///
/// What the kernel allows on it is narrow (kernel-semantics.md §1j–1l): no read/write, no
/// resize, fallocate only with KEEP_SIZE, and CPU access only through a shared mapping of a
/// file made with GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED. Which of its ranges
/// hold pages no syscall reports, so `allocation` records it, changed after the kernel said yes.
package struct GuestMemfd: ~Copyable {
    let fd: FileDescriptor
    /// i_size, fixed at creation.
    package let size: Int64
    package let flags: GuestMemfdFlags
    /// The whole file mapped shared, for a mappable file only; nil otherwise, so that no mapping
    /// of an unmappable file can exist.
    let mapping: SharedMapping?
    /// The ranges that hold pages.
    package internal(set) var allocation = IntervalSet()
    /// Its place in the descriptor budget, given back as the fd closes; nil outside a store.
    var claim: DescriptorClaim?

    /// Creates a guest_memfd of `size` bytes on `vm`, makes it close-on-exec (the kernel does not:
    /// C11) and, if `flags` make it mappable, maps it whole. The kernel's refusals come back
    /// unchanged: a size that is not a positive multiple of the page is EINVAL (C1), an unknown
    /// flag EINVAL (C6). The size reserves nothing (C3), but a mapping needs address space: a
    /// mappable file larger than that is ENOMEM, and then no file is left behind.
    /// The corresponding C calls are `ioctl(vm, KVM_CREATE_GUEST_MEMFD, …)`, `fcntl(F_SETFD)`, `mmap`.
    package init(in vm: borrowing VirtualMachine, size: Int64, flags: GuestMemfdFlags) throws(Errno) {
        var args = gmemd_kvm_create_guest_memfd()
        args.size = UInt64(bitPattern: size)
        args.flags = flags.rawValue
        let fd = FileDescriptor(
            rawValue: try syscall("KVM_CREATE_GUEST_MEMFD") {
                gmemd_kvm_create_guest_memfd(vm.fd.rawValue, &args)
            })
        do throws(Errno) {
            try fd.setCloseOnExec()
            mapping = flags.isMappable ? try SharedMapping(fd, offset: 0, length: size) : nil
        } catch {
            try? fd.close()
            throw error
        }
        self.fd = fd
        self.size = size
        self.flags = flags
    }

    /// Allocates or punches `range`, then records what the kernel did. guest_memfd takes only
    /// KEEP_SIZE modes, and its refusals come back unchanged (§1k): an allocation without
    /// keep_size is EOPNOTSUPP (A1); an unaligned range is EINVAL (A4, A9); an allocation that
    /// does not lie inside the file is EINVAL (A5); a punch past the end is fine (A10).
    /// The corresponding C call is `fallocate(fd, mode, offset, length)`.
    package mutating func fallocate(_ mode: FallocateMode, _ range: ByteRange) throws(Errno) {
        let flags =
            switch mode {
            case .allocate(let keepSize): keepSize ? GMEMD_FALLOC_FL_KEEP_SIZE : 0
            case .punchHole: GMEMD_FALLOC_FL_PUNCH_HOLE | GMEMD_FALLOC_FL_KEEP_SIZE
            }
        _ = try syscall("fallocate") {
            gmemd_fallocate(fd.rawValue, Int32(flags), range.offset, range.length)
        }
        switch mode {
        case .allocate: allocation.insert(range)
        case .punchHole: allocation.remove(range)
        }
    }

    /// Closes the fd and drops the mapping. The kernel frees the pages when its last reference
    /// goes: this fd, or the mapping a memslot bound to a mappable file holds until it is
    /// deleted. Freeing takes as long as a punch (kernel-semantics.md §2): not under a lock.
    /// The work is deinit's, as for `VirtualMachine.close()`.
    package consuming func close() {}

    deinit { try? fd.close() }  // Linux has closed the fd even when close(2) reports EINTR or EIO
}
