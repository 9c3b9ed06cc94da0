import Glibc
import Posix
import SystemPackage

extension FileRegion {
    /// Reads up to `buffer.count` bytes of the file at `offset` (absolute, not from the region's
    /// start); 0 at the end of the file. For a body that must be transformed (gzip) rather than
    /// sent with sendfile.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try readFile(fd, into: buffer, at: offset)
    }
}

/// The corresponding C call is `pread`: the file's bytes at `offset`, its position untouched, so
/// that a response never disturbs whoever else holds the fd.
func readFile(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int
{
    try syscall("pread") { pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
}
