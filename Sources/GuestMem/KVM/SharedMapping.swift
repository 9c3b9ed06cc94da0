import Glibc
import Posix
import SystemPackage

/// A read-write MAP_SHARED mapping of a file range, unmapped when the last reference goes. A
/// class, not a `~Copyable` value, so that a VM's table of memslots can hold the mappings its
/// memfd-backed slots point at. Nothing here synchronises access to the bytes: the owner of the
/// mapping (a file under its lock) does, which is why it may be sent between threads: its own
/// fields never change.
final class SharedMapping: @unchecked Sendable {
    /// Where the range starts in this process; page-aligned, as mmap(2) returns it.
    let base: UnsafeMutableRawPointer
    /// The mapped length in bytes.
    let length: Int

    /// Maps `length` bytes of `fd` from `offset`. The kernel judges the arguments: an unaligned
    /// offset is EINVAL, a write-sealed memfd EPERM, a guest_memfd without GUEST_MEMFD_FLAG_MMAP
    /// ENODEV (kernel-semantics.md G4).
    /// The corresponding C call is `mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset)`.
    init(_ fd: FileDescriptor, offset: Int64, length: Int64) throws(Errno) {
        let address = try syscall("mmap") {
            Int(
                bitPattern: mmap(
                    nil, Int(length), PROT_READ | PROT_WRITE, MAP_SHARED, fd.rawValue, off_t(offset)))
        }
        // syscall returned, so the address is not MAP_FAILED, and mmap never maps page 0.
        base = UnsafeMutableRawPointer(bitPattern: address)!
        self.length = Int(length)
    }

    /// The address as KVM_SET_USER_MEMORY_REGION2's userspace_addr wants it.
    var userspaceAddress: UInt64 { UInt64(UInt(bitPattern: base)) }

    /// The corresponding C call is `munmap`; it fails only for arguments init ruled out.
    deinit { munmap(base, length) }
}
