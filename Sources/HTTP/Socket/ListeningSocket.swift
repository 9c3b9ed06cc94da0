import CSocket
import Glibc
import Posix
import Synchronization
import SystemPackage

/// Where a server listens.
enum ListenAddress: Sendable {
    case tcp(host: String, port: Int)
    /// A Unix-domain stream socket at `path`, its file given `mode`.
    case unix(path: String, mode: UInt32)
}

/// A bound, listening, non-blocking socket. A class rather than a `~Copyable` value: every
/// event loop registers it in its own epoll (EPOLLEXCLUSIVE) and accepts from it, so it is
/// shared. The server closes it once every loop has stopped (so no loop can accept on a
/// closed fd), or its deinit does; the flag makes that exactly once.
final class ListeningSocket: Sendable {
    let fd: Int32
    /// Connections accepted here speak TLS with this context.
    let tls: TLSContext?
    /// The socket file of a Unix-domain listener, removed again when it closes.
    let unixSocket: UnixSocketFile?
    private let isClosed = Atomic(false)

    /// Resolves, binds and listens. Errors such as EADDRINUSE and EACCES surface here.
    /// The corresponding C calls are `getaddrinfo`, `socket`, `bind`, `listen`.
    init(_ address: ListenAddress, tls: TLSContext? = nil, backlog: Int32 = 4096) throws(Errno) {
        self.tls = tls
        switch address {
        case .tcp(let host, let port):
            fd = try Self.bindTCP(host: host, port: port, backlog: backlog)
            unixSocket = nil
        case .unix(let path, let mode):
            (fd, unixSocket) = try Self.bindUnix(path: path, mode: mode, backlog: backlog)
        }
    }

    init(fd: Int32, tls: TLSContext?, unixSocket: UnixSocketFile?) {
        (self.fd, self.tls, self.unixSocket) = (fd, tls, unixSocket)
    }

    /// The port the kernel gave when port 0 was asked. The corresponding C call is `getsockname`.
    var port: Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return 0 }
        // Both sockaddr_in and sockaddr_in6 keep the port, in network order, right after the
        // 2-byte family field.
        return withUnsafeBytes(of: storage) {
            Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)))
        }
    }

    /// Takes one pending connection, non-blocking and close-on-exec. The corresponding C call
    /// is `accept4`.
    func accept() throws(Errno) -> AcceptResult {
        let connection: Int32
        do {
            connection = try syscall("accept4") { gmemd_accept4_nonblock(fd) }
        } catch .resourceTemporarilyUnavailable {
            return .wouldBlock
        }
        guard let tls else { return .accepted(StreamSocket(adopting: connection, isUnix: unixSocket != nil)) }
        guard let session = TLSSession(context: tls, fd: connection) else {
            // No memory for the TLS state: the client sees its connection close, as over the limit.
            _ = Glibc.close(connection)
            throw .noMemory
        }
        return .accepted(StreamSocket(adopting: connection, tls: session))
    }

    /// Stops listening: connections still in the backlog are refused. Call only once no loop
    /// can use the socket any more. The corresponding C call is `close`.
    func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = Glibc.close(fd)
        unixSocket?.remove()
    }

    deinit { close() }

    private static func bindTCP(host: String, port: Int, backlog: Int32) throws(Errno) -> Int32 {
        guard (0...65535).contains(port) else { throw .invalidArgument }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        // getaddrinfo reports EAI_* codes, not errno: an unknown host is an invalid argument.
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let info = list?.pointee else {
            throw .invalidArgument
        }
        defer { freeaddrinfo(list) }
        let fd = try syscall("socket") {
            socket(
                info.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue),
                0)
        }
        do throws(Errno) {
            // SO_REUSEADDR only: a restart may bind over TIME_WAIT. Not SO_REUSEPORT, which would
            // let a second gmemd of the same user share the port silently instead of failing.
            var one: Int32 = 1
            _ = try syscall("setsockopt") {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try syscall("bind") { bind(fd, info.ai_addr, info.ai_addrlen) }
            _ = try syscall("listen") { listen(fd, backlog) }
            return fd
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }
}

/// What `accept` gave: a connection, or nothing pending.
enum AcceptResult: ~Copyable {
    case accepted(StreamSocket)
    case wouldBlock
}
