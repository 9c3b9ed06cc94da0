import CKernel
import Posix
package import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Calls the kernel refuses on a guest_memfd on every kernel gmemd knows. gmemd still makes
/// them, so that the answer a client sees is the kernel's own errno, not a rule of gmemd's.
extension GuestMemfd {
    /// Sets the size. A guest_memfd is fixed-size: EINVAL for any size, the same one included
    /// (kernel-semantics.md G5).
    /// The corresponding C call is `ftruncate`.
    package func resize(to size: Int64) throws(Errno) {
        _ = try syscall("ftruncate") { ftruncate(fd.rawValue, off_t(size)) }
    }

    /// Adds kernel seals. A guest_memfd is not sealable: EINVAL (G9).
    /// The corresponding C call is `fcntl(fd, F_ADD_SEALS, seals)`.
    package func addSeals(_ seals: SealSet) throws(Errno) {
        _ = try syscall("fcntl(F_ADD_SEALS)") { gmemd_add_seals(fd.rawValue, seals.kernelBits) }
    }
}
