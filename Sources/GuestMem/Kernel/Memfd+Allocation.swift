import CKernel
import Posix
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// What fstat(2) says about a memfd.
struct MemfdStatus {
    let size: Int64
    /// st_blocks × 512: the pages the file holds, inside its size or past it (F8).
    let allocatedBytes: Int64
    /// st_blksize: the page size for a normal memfd, the huge page size for a hugetlb one.
    let blockSize: Int64
    /// st_ino: which file it is, whichever descriptor shows it.
    let inode: UInt64
}

/// A memfd's fd borrowed for reads that never block (fstat, F_GET_SEALS), by whoever knows the
/// memfd is still open: a file's state lock, which its deletion takes before the memfd closes.
struct MemfdReader: Sendable {
    let fd: FileDescriptor

    /// Size and allocation as the kernel counts them.
    /// The corresponding C call is `fstat`.
    func status() throws(Errno) -> MemfdStatus {
        var info = stat()
        _ = try syscall("fstat") { fstat(fd.rawValue, &info) }
        return MemfdStatus(
            size: Int64(info.st_size), allocatedBytes: Int64(info.st_blocks) * 512,
            blockSize: Int64(info.st_blksize), inode: UInt64(info.st_ino))
    }

    /// The kernel seals set on this file.
    /// The corresponding C call is `fcntl(fd, F_GET_SEALS)`.
    func seals() throws(Errno) -> SealSet {
        SealSet(rawValue: UInt32(try syscall("fcntl(F_GET_SEALS)") { gmemd_get_seals(fd.rawValue) }))
    }
}

extension Memfd {
    /// Reads that need no ownership; valid while this memfd is open.
    var reader: MemfdReader { MemfdReader(fd: fd) }

    /// Size and allocation as the kernel counts them (fstat).
    func status() throws(Errno) -> MemfdStatus { try reader.status() }

    /// Sets the size; shrinking frees the whole pages past the new end.
    /// The corresponding C call is `ftruncate`. EPERM under the shrink or grow seal (§1c).
    func resize(to size: Int64) throws(Errno) {
        _ = try syscall("ftruncate") { ftruncate(fd.rawValue, off_t(size)) }
    }

    /// Allocates every page `range` touches; without `keepSize` a range past the end grows the
    /// file. The corresponding C call is `fallocate(fd, 0 or KEEP_SIZE, …)`.
    func allocate(_ range: ByteRange, keepSize: Bool) throws(Errno) {
        let mode = keepSize ? Int32(GMEMD_FALLOC_FL_KEEP_SIZE) : 0
        _ = try syscall("fallocate") { gmemd_fallocate(fd.rawValue, mode, range.offset, range.length) }
    }

    /// Frees the whole pages in `range` and zeroes partial ones; the size stays.
    /// The corresponding C call is `fallocate(fd, PUNCH_HOLE | KEEP_SIZE, …)`. EPERM under the
    /// write and future_write seals, even past the end (§1c).
    func punchHole(_ range: ByteRange) throws(Errno) {
        let mode = Int32(GMEMD_FALLOC_FL_PUNCH_HOLE | GMEMD_FALLOC_FL_KEEP_SIZE)
        _ = try syscall("fallocate") { gmemd_fallocate(fd.rawValue, mode, range.offset, range.length) }
    }
}
