import Posix
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

extension Memfd {
    /// Reads into `buffer` from `offset`; fewer bytes at the end of the file, 0 past it.
    /// The corresponding C call is `pread`.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try syscall("pread") { pread(fd.rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Writes `bytes` at `offset`, growing the file when it writes past the end.
    /// The corresponding C call is `pwrite`. EPERM under write or future_write, and under grow
    /// past the end; EINVAL when offset + count overflows (F14); EINVAL on hugetlb (H4).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try syscall("pwrite") { pwrite(fd.rawValue, bytes.baseAddress, bytes.count, off_t(offset)) }
    }
}
