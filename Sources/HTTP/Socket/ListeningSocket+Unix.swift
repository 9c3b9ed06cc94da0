// SOCK_STREAM, SOCK_NONBLOCK and SOCK_CLOEXEC: a release (whole-module) build finds them only
// through CSocket's <sys/socket.h>, as ListeningSocket.swift does; Glibc alone fails to compile.
import CSocket
import Glibc
import Posix
import SystemPackage

/// A Unix listener's socket file: removed when the listener closes, but only while it is still
/// the file this listener made (a later gmemd may have replaced it).
struct UnixSocketFile: Sendable {
    let path: String
    let inode: UInt

    /// The corresponding C calls are `stat` and `unlink`.
    func remove() {
        var status = stat()
        guard stat(path, &status) == 0, UInt(status.st_ino) == inode else { return }
        _ = unlink(path)
    }
}

extension ListeningSocket {
    /// Binds a Unix-domain stream socket at `path` and gives the file `mode` before listening,
    /// so no client can connect under a looser mode. What is already at the path decides:
    /// nothing, or a socket nobody listens on (a gmemd that was killed) is replaced; a socket
    /// someone listens on is EADDRINUSE; any other file is EEXIST and is never deleted.
    /// The corresponding C calls are `lstat`, `connect` (the probe), `unlink`, `socket`, `bind`,
    /// `chmod`, `listen`.
    static func bindUnix(path: String, mode: UInt32, backlog: Int32) throws(Errno) -> (Int32, UnixSocketFile)
    {
        var address = try unixAddress(path)
        try clearStaleSocket(at: path, address: &address)
        let fd = try syscall("socket") {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        }
        do throws(Errno) {
            _ = try syscall("bind") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            _ = try syscall("chmod") { chmod(path, mode_t(mode)) }
            var status = stat()
            _ = try syscall("stat") { stat(path, &status) }
            _ = try syscall("listen") { listen(fd, backlog) }
            return (fd, UnixSocketFile(path: path, inode: UInt(status.st_ino)))
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    /// sun_path holds 107 bytes and a NUL; a longer path is ENAMETOOLONG, an empty one EINVAL.
    private static func unixAddress(_ path: String) throws(Errno) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else { throw .invalidArgument }
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .fileNameTooLong }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            // SAFETY: bytes.count < raw.count, checked above; the rest stays zero, so NUL-ended.
            raw.copyBytes(from: bytes)
        }
        return address
    }

    private static func clearStaleSocket(at path: String, address: inout sockaddr_un) throws(Errno) {
        var status = stat()
        do throws(Errno) {
            _ = try syscall("lstat") { lstat(path, &status) }
        } catch .noSuchFileOrDirectory {
            return
        }
        guard status.st_mode & S_IFMT == S_IFSOCK else { throw .fileExists }
        let probe = try syscall("socket") {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        }
        defer { _ = Glibc.close(probe) }
        do throws(Errno) {
            _ = try syscall("connect") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(probe, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            throw Errno.addressInUse
        } catch .connectionRefused {
            // Nobody listens: the socket file of a process that is gone.
            _ = try syscall("unlink") { unlink(path) }
        } catch .resourceTemporarilyUnavailable {
            // A full backlog: somebody listens, and is busy.
            throw .addressInUse
        }
    }
}
