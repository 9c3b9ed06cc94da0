import FoundationEssentials
import Posix
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A small file replaced whole and atomically: the new bytes go to a temporary file beside it,
/// which is flushed (fsync) and then renamed over the old one, and the directory is flushed
/// too. A crash at any point leaves either the old file or the new one, never a torn mix.
struct AtomicFile: Sendable {
    let path: FilePath

    func read() throws(Errno) -> [UInt8]? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, .readOnly, options: [.closeOnExec])
        } catch Errno.noSuchFileOrDirectory {
            return nil
        } catch {
            throw error as! Errno  // FileDescriptor.open throws only Errno
        }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try syscall("read") {
                chunk.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }

    /// Writes `bytes` with mode 0600 (it may hold token digests, and tokens in the answers kept
    /// for Idempotency-Key retries).
    func write(_ bytes: [UInt8]) throws(Errno) {
        let temporary = FilePath(path.string + ".tmp")
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(
                temporary, .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: [.ownerReadWrite])
        } catch {
            throw error as! Errno  // FileDescriptor.open throws only Errno
        }
        do {
            var written = 0
            while written < bytes.count {
                written += try syscall("write") {
                    bytes.withUnsafeBytes {
                        Glibc.write(fd.rawValue, $0.baseAddress! + written, $0.count - written)
                    }
                }
            }
            _ = try syscall("fsync") { fsync(fd.rawValue) }
            try? fd.close()
        } catch {
            try? fd.close()
            throw error
        }
        _ = try syscall("rename") { rename(temporary.string, path.string) }
        flushDirectory()
    }

    /// Removes the file, if it is there, and flushes the directory, so the removal lasts too.
    func remove() throws(Errno) {
        do {
            _ = try syscall("unlink") { unlink(path.string) }
        } catch .noSuchFileOrDirectory {
            return
        }
        flushDirectory()
    }

    private func flushDirectory() {
        let directory = try? FileDescriptor.open(
            path.removingLastComponent(), .readOnly, options: [.directory])
        if let directory {
            _ = try? syscall("fsync") { fsync(directory.rawValue) }
            try? directory.close()
        }
    }
}
