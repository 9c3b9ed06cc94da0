import CKVM
import Posix
import SystemPackage

extension FileDescriptor {
    /// Marks the fd close-on-exec, so no helper gmemd spawns inherits it. guest_memfd needs this:
    /// the kernel creates it without FD_CLOEXEC (kernel-semantics.md C11).
    /// The corresponding C call is `fcntl(fd, F_SETFD, FD_CLOEXEC)`.
    func setCloseOnExec() throws(Errno) {
        _ = try syscall("fcntl(F_SETFD)") { gmemd_set_cloexec(rawValue) }
    }
}
