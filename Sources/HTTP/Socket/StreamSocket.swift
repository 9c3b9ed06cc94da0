import Glibc
import Posix
import SystemPackage

/// One accepted, non-blocking connection (TCP or Unix-domain). Not copyable: the connection that
/// owns it is its only holder, and the fd is closed exactly once, when that owner goes away.
///
/// This is the connection's byte-I/O seam: with `tls` set every read and write goes through
/// OpenSSL; nothing else reads or writes a connection's fd.
struct StreamSocket: ~Copyable {
    let fd: Int32
    let tls: TLSSession?
    /// Whether this is a Unix-domain connection: the only kind that passes descriptors.
    let isUnix: Bool

    init(adopting fd: Int32, tls: TLSSession? = nil, isUnix: Bool = false) {
        (self.fd, self.tls, self.isUnix) = (fd, tls, isUnix)
    }

    var isTLS: Bool { tls != nil }

    var listener: ListenerKind { isUnix ? .unix : isTLS ? .tls : .tcp }

    /// Turns off Nagle's algorithm (`setsockopt(TCP_NODELAY)`): a response goes out in one
    /// writev and must not wait for the peer's delayed ACK (toolchain-notes.md: ~40 ms).
    func setNoDelay() {
        var one: Int32 = 1
        // Failure only costs latency; nothing to recover.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Reads what is there, up to `buffer.count` bytes. The corresponding C call is `read`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> ReadResult {
        if let tls { return try tls.read(into: buffer) }
        return try readPlain(into: buffer)
    }

    @inline(__always)
    private func readPlain(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> ReadResult {
        do {
            let count = try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            return count == 0 ? .endOfStream : .bytes(count)
        } catch .resourceTemporarilyUnavailable {
            return .wouldBlock
        }
    }

    /// Writes the first `count` iovecs in one call. The corresponding C call is `writev`.
    /// SIGPIPE is ignored process-wide (HTTPServer.init), so a gone peer is EPIPE here.
    func write(_ vectors: UnsafePointer<iovec>, count: Int) throws(Errno) -> WriteResult {
        if let tls { return try Self.write(vectors, count: count, through: tls) }
        return try writePlain(vectors, count: count)
    }

    @inline(__always)
    private func writePlain(_ vectors: UnsafePointer<iovec>, count: Int) throws(Errno) -> WriteResult {
        do {
            return .wrote(try syscall("writev") { writev(fd, vectors, Int32(count)) })
        } catch .resourceTemporarilyUnavailable {
            return .wouldBlock
        }
    }

    /// Sends up to `count` bytes of `file` from `offset`, advancing it. The corresponding C call
    /// is `sendfile`.
    func send(file: Int32, offset: inout Int64, count: Int) throws(Errno) -> WriteResult {
        if let tls { return try Self.send(file: file, offset: &offset, count: count, through: tls) }
        do {
            var position = off_t(offset)
            let sent = try syscall("sendfile") { sendfile(fd, file, &position, count) }
            offset = Int64(position)
            return .wrote(sent)
        } catch .resourceTemporarilyUnavailable {
            return .wouldBlock
        }
    }

    /// Sends FIN but keeps reading (`shutdown(SHUT_WR)`): the peer gets the whole last
    /// response before the close, instead of a reset for bytes it sent that we never read.
    func shutdownWrite() {
        tls?.shutdown()
        // ENOTCONN when the peer already left: the connection is closing anyway.
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    deinit {
        // Linux has closed the fd even when close(2) reports EINTR or EIO.
        _ = Glibc.close(fd)
    }
}
