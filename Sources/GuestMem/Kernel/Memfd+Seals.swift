import CKernel
import Posix
import SystemPackage

extension Memfd {
    /// The kernel seals set on this file (F_GET_SEALS).
    func seals() throws(Errno) -> SealSet { try reader.seals() }

    /// Adds the kernel bits of `seals`; service bits are never passed.
    /// The corresponding C call is `fcntl(fd, F_ADD_SEALS, seals)`. EPERM once `seal` is set
    /// (even for no bits), EBUSY for `write` under a writable shared mapping (§1b, §1d).
    func addSeals(_ seals: SealSet) throws(Errno) {
        _ = try syscall("fcntl(F_ADD_SEALS)") { gmemd_add_seals(fd.rawValue, seals.kernelBits) }
    }
}
