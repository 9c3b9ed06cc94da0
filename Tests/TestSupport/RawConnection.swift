import Foundation

/// A plain blocking connection (TCP to 127.0.0.1, or a Unix-domain socket), for writing exactly
/// the bytes a test means, malformed ones included. Every read is bounded by `readTimeout` (scaled)
/// (SO_RCVTIMEO) and throws `EndToEndError.timedOut` when it runs out, so a server that stays
/// silent fails the test instead of hanging it, and is never mistaken for one that closed.
///
/// `@unchecked Sendable`: a test uses one connection from one call at a time (the async
/// readers hand it to one thread and wait for it).
package final class RawConnection: @unchecked Sendable {
    private var fd: Int32
    private var received: [UInt8] = []
    private var peerClosed = false

    package init(port: Int, readTimeout: Duration = .seconds(10)) throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        fd = try Self.connected(AF_INET, to: address, readTimeout: readTimeout, "port \(port)")
    }

    package init(unixPath: String, readTimeout: Duration = .seconds(10)) throws {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(unixPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw EndToEndError.socket("socket path too long: \(unixPath)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        fd = try Self.connected(AF_UNIX, to: address, readTimeout: readTimeout, unixPath)
    }

    private static func connected<Address>(
        _ family: Int32, to address: Address, readTimeout: Duration, _ name: String
    ) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw failure("socket") }
        var seconds = timeval(tv_sec: Int(readTimeout.scaled.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<Address>.size))
            }
        }
        guard connected == 0 else {
            let error = failure("connect to \(name)")
            Glibc.close(fd)
            throw error
        }
        return fd
    }

    deinit { close() }

    package func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Writes all of `bytes`; MSG_NOSIGNAL turns a peer's close into EPIPE instead of SIGPIPE.
    package func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw Self.failure("send") }
            offset += written
        }
    }

    /// The next final response (1xx are skipped unless `keepingInterim`). A HEAD's response has
    /// no body whatever its Content-Length says (RFC 9110 §9.3.2).
    package func readReply(toHEAD: Bool = false, keepingInterim: Bool = false) throws -> HTTPReply {
        while true {
            if let reply = try ResponseParser.take(
                from: &received, toHEAD: toHEAD, atEnd: peerClosed, keepingInterim: keepingInterim)
            {
                return reply
            }
            guard !peerClosed else {
                throw EndToEndError.socket("closed before a whole response; got \(Self.show(received))")
            }
            try receive()
        }
    }

    /// For a poll(2) loop that saw POLLIN: reads once, and returns a whole response if one is here now.
    package func replyIfArrived() throws -> HTTPReply? {
        try receive()
        if let reply = try ResponseParser.take(from: &received, toHEAD: false, atEnd: peerClosed) {
            return reply
        }
        guard !peerClosed else {
            throw EndToEndError.socket("closed before a whole response; got \(Self.show(received))")
        }
        return nil
    }

    package var descriptor: Int32 { fd }

    /// Everything the server still sends until it closes the connection (a reset counts as a
    /// close). Throws `timedOut` if the connection is still open after the read timeout.
    package func readUntilClosed() throws -> [UInt8] {
        while !peerClosed { try receive() }
        defer { received.removeAll() }
        return received
    }

    /// Whatever has arrived, waiting for at least one byte; throws if the server closed first or
    /// sent nothing within the read timeout.
    package func readSome() throws -> [UInt8] {
        while received.isEmpty {
            guard !peerClosed else { throw EndToEndError.socket("closed; expected more bytes") }
            try receive()
        }
        defer { received.removeAll() }
        return received
    }

    /// Whether the server has sent something or closed within `limit`, without reading it.
    package func isReadable(within limit: Duration) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let scaled = limit.scaled
        let milliseconds = Int32(
            scaled.components.seconds * 1000 + scaled.components.attoseconds / 1_000_000_000_000_000)
        return poll(&entry, 1, milliseconds) > 0
    }

    /// Closes with an RST instead of a FIN (SO_LINGER with a zero timeout), as a crashed client would.
    package func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close()
    }

    package func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            received += chunk[..<count]
        } else if count == 0 || errno == ECONNRESET {
            peerClosed = true
        } else if errno == EAGAIN {
            throw EndToEndError.timedOut("server sent nothing more; had \(Self.show(received))")
        } else if errno != EINTR {
            throw Self.failure("recv")
        }
    }

    private static func failure(_ call: String) -> EndToEndError {
        .socket("\(call): \(String(cString: strerror(errno)))")
    }

    package static func show(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription
    }
}
