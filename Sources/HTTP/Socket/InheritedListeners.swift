import CSocket
import Glibc
import Posix
import SystemPackage

/// Listening sockets a process was started with (socket activation, or a gmemd re-exec), sorted
/// by what they are (getsockname) so each configured listener can take its own. Whatever no
/// listener takes is closed: nothing would ever accept on it.
struct InheritedListeners {
    private var tcp: [Int32] = []
    private var unix: [String: Int32] = [:]

    init(_ descriptors: [Int32]) {
        for fd in descriptors {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let named = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else {
                _ = Glibc.close(fd)
                continue
            }
            switch Int32(storage.ss_family) {
            case AF_INET, AF_INET6:
                tcp.append(fd)
            case AF_UNIX:
                let path = withUnsafeBytes(of: storage) { raw in
                    // sun_path follows the 2-byte family; a path is NUL-terminated within `length`.
                    let bytes = raw[2..<Int(length)].prefix { $0 != 0 }
                    return String(decoding: bytes, as: UTF8.self)
                }
                unix[path] = fd
            default:
                _ = Glibc.close(fd)
            }
        }
    }

    /// The first inherited TCP listener, serving TLS with `tls` if given.
    mutating func takeTCP(tls: TLSContext?) throws(Errno) -> ListeningSocket? {
        guard !tcp.isEmpty else { return nil }
        return try ListeningSocket(adopting: tcp.removeFirst(), tls: tls, unixPath: nil)
    }

    /// The inherited Unix listener bound at `path`.
    mutating func takeUnix(path: String) throws(Errno) -> ListeningSocket? {
        guard let fd = unix.removeValue(forKey: path) else { return nil }
        return try ListeningSocket(adopting: fd, tls: nil, unixPath: path)
    }

    mutating func closeRest() {
        for fd in tcp + Array(unix.values) { _ = Glibc.close(fd) }
        (tcp, unix) = ([], [:])
    }
}

extension ListeningSocket {
    /// A socket that is listening already, taken over: made non-blocking and close-on-exec. A Unix
    /// one's file (at `unixPath`) is removed when it closes, as a bound one's is.
    /// The corresponding C calls are `fcntl` and `stat`.
    convenience init(adopting fd: Int32, tls: TLSContext?, unixPath: String?) throws(Errno) {
        _ = try syscall("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        _ = try syscall("fcntl(F_SETFD)") { fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var file: UnixSocketFile?
        if let unixPath {
            var status = stat()
            _ = try syscall("stat") { stat(unixPath, &status) }
            file = UnixSocketFile(path: unixPath, inode: UInt(status.st_ino))
        }
        self.init(fd: fd, tls: tls, unixSocket: file)
    }
}
