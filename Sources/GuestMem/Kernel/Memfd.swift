import CKernel
import Posix
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// memfd_create(2)'s flags that a file chooses; MFD_CLOEXEC is always added.
struct MemfdOptions: OptionSet {
    let rawValue: UInt32
    static let allowSealing = MemfdOptions(rawValue: UInt32(GMEMD_MFD_ALLOW_SEALING))
    static let hugetlb = MemfdOptions(rawValue: UInt32(GMEMD_MFD_HUGETLB))
    static let noexecSeal = MemfdOptions(rawValue: UInt32(GMEMD_MFD_NOEXEC_SEAL))
    static let exec = MemfdOptions(rawValue: UInt32(GMEMD_MFD_EXEC))
}

/// One memfd. Not copyable: it has one owner, and closing it twice does not compile.
/// Its methods are in Memfd+Seals.swift, Memfd+Allocation.swift and Memfd+Content.swift.
struct Memfd: ~Copyable {
    /// memfd_create(2) refuses a longer name with EINVAL: NAME_MAX less the "memfd:" prefix.
    static let maxNameBytes = 249

    let fd: FileDescriptor
    /// Its place in the descriptor budget, given back as the fd closes; nil outside a store.
    let claim: DescriptorClaim?

    /// Creates an anonymous memory file, close-on-exec.
    /// The corresponding C call is `memfd_create(name, flags | MFD_CLOEXEC)`. A name longer than
    /// 249 bytes is EINVAL; MFD_EXEC with MFD_NOEXEC_SEAL is EINVAL (kernel-semantics.md §1a).
    init(name: String, options: MemfdOptions, claim: DescriptorClaim? = nil) throws(Errno) {
        let raw = try syscall("memfd_create") {
            name.withCString { gmemd_memfd_create($0, options.rawValue | UInt32(GMEMD_MFD_CLOEXEC)) }
        }
        fd = FileDescriptor(rawValue: raw)
        self.claim = claim
    }

    /// A second fd on the same open file, close-on-exec.
    /// The corresponding C call is `fcntl(fd, F_DUPFD_CLOEXEC, 0)`.
    func duplicate() throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall("fcntl(F_DUPFD_CLOEXEC)") { gmemd_dup_cloexec(fd.rawValue) })
    }

    /// Closes the fd. The last close of a populated file frees its pages, 120–180 ms per GiB
    /// (kernel-semantics.md §2), so call it off the event loops and outside every lock.
    /// The work is deinit's, here rather than where the value goes out of scope: `discard self`
    /// is not allowed for a type holding a class reference (the claim).
    consuming func close() {}

    deinit { try? fd.close() }  // Linux has closed the fd even when close(2) reports EINTR or EIO
}
