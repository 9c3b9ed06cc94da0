import CKernel
import Posix
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A memfd's descriptors outside gmemd: new ones for a process, and one a process gave.
extension Memfd {
    /// Takes ownership of a descriptor a process passed in; `adoptable()` says whether it is a
    /// memfd gmemd can serve. It holds `claim` while it is open.
    init(adopting fd: FileDescriptor, claim: DescriptorClaim? = nil) {
        self.fd = fd
        self.claim = claim
    }

    /// A new open file description of this memfd with `access`, close-on-exec: what a process
    /// receives. The corresponding C call is `open("/proc/self/fd/N", O_RDONLY or O_RDWR)`; a
    /// separate description, so its access mode is its own.
    func reopen(_ access: DescriptorAccess) throws(Errno) -> FileDescriptor {
        let mode = access == .readOnly ? O_RDONLY : O_RDWR
        let raw = try syscall("open(/proc/self/fd)") {
            Glibc.open("/proc/self/fd/\(fd.rawValue)", mode | O_CLOEXEC)
        }
        return FileDescriptor(rawValue: raw)
    }

    /// Why gmemd cannot serve this descriptor, or nil when it can: a memfd (its /proc link
    /// names `/memfd:`), on shmem or hugetlbfs, open for reading and writing (gmemd allocates,
    /// punches and writes through it).
    func adoptionRefusal() -> String? {
        var link = [CChar](repeating: 0, count: 512)
        let length = readlink("/proc/self/fd/\(fd.rawValue)", &link, link.count - 1)
        let target =
            length > 0 ? String(decoding: link[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        guard target.hasPrefix("/memfd:") else {
            return "the descriptor is not a memfd (it names '\(target)')"
        }
        guard [Self.tmpfsMagic, Self.hugetlbfsMagic].contains(gmemd_filesystem_type(fd.rawValue)) else {
            return "the descriptor's file is on neither shmem nor hugetlbfs"
        }
        guard fcntl(fd.rawValue, F_GETFL) & O_ACCMODE == O_RDWR else {
            return "the descriptor is not open for reading and writing (O_RDWR)"
        }
        return nil
    }

    /// Whether the file lives on hugetlbfs (a MFD_HUGETLB memfd).
    var isHugetlb: Bool {
        gmemd_filesystem_type(fd.rawValue) == Self.hugetlbfsMagic
    }

    // include/uapi/linux/magic.h
    private static let tmpfsMagic: Int64 = 0x0102_1994
    private static let hugetlbfsMagic: Int64 = 0x9584_58f6
}
