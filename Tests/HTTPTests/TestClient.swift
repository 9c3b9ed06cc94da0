import Foundation
import Glibc

/// A response as read off the wire.
struct TestResponse {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

enum TestClientError: Error {
    case connect(Int32)
    case closed
    case malformed(String)
}

/// A blocking TCP client that speaks raw HTTP/1.1, so tests control every byte. Reads time out
/// after 30 s, so a server bug fails a test instead of hanging it; not less, because the
/// server's tasks share the test process's cooperative pool with every other suite, and the
/// end-to-end suites hold its threads in blocking reads of their own for seconds at a time.
///
/// Reads are awaited but block a thread of their own: a test blocking a cooperative-pool thread
/// on its socket would starve the server's own tasks (offLoop handlers, stream producers, gzip
/// decoding), and the pool has only as many threads as cores, two here.
/// `@unchecked Sendable`: one test uses a client at a time, one call after another.
final class TestClient: @unchecked Sendable {
    private(set) var fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestClientError.connect(errno)
        }
    }

    /// Connects to a Unix-domain socket instead.
    init(unixPath: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(unixPath.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestClientError.connect(errno)
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Leaves abruptly: close with a zero linger, so the server sees a reset.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
        fd = -1
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { return }
            sent += count
        }
    }

    /// Reads one response; `isHead` because a HEAD response has no body whatever it says.
    func readResponse(isHead: Bool = false) async throws -> TestResponse {
        try await Self.offThePool { try self.readResponseBlocking(isHead: isHead) }
    }

    /// True when the server has closed the connection (the next read sees EOF or a reset).
    func isClosedByServer() async -> Bool {
        (try? await Self.offThePool { self.isClosedByServerBlocking() }) ?? false
    }

    private static func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
        }
    }

    private func readResponseBlocking(isHead: Bool) throws -> TestResponse {
        let head = String(decoding: try readLine(untilEmptyLine: true), as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw TestClientError.malformed(head)
        }
        let headers = lines.filter { !$0.isEmpty }.map { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (name: String(parts[0]), value: parts.count > 1 ? String(parts[1].drop { $0 == " " }) : "")
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        if isHead || status == 100 || status == 204 || status == 304 { return response }
        if let length = response.header("Content-Length").flatMap(Int.init) {
            response.body = try read(count: length)
        } else if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            response.body = try readChunked()
        } else {
            response.body = readUntilClosed()
        }
        return response
    }

    private func isClosedByServerBlocking() -> Bool {
        if !buffer.isEmpty { return false }
        return fill() == false
    }

    func readUntilClosed() -> [UInt8] {
        while fill() {}
        defer { buffer = [] }
        return buffer
    }

    private func readChunked() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = String(decoding: try readLine(untilEmptyLine: false), as: UTF8.self)
            guard let size = Int(line.split(separator: ";")[0], radix: 16) else {
                throw TestClientError.malformed(line)
            }
            if size == 0 {
                _ = try readLine(untilEmptyLine: false)
                return body
            }
            body += try read(count: size)
            _ = try read(count: 2)
        }
    }

    private func read(count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard fill() else { throw TestClientError.closed }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// The bytes up to CRLF (or CRLFCRLF), which are consumed and not returned.
    private func readLine(untilEmptyLine: Bool) throws -> [UInt8] {
        let terminator: [UInt8] = untilEmptyLine ? [13, 10, 13, 10] : [13, 10]
        while true {
            if let end = firstRange(of: terminator) {
                defer { buffer.removeFirst(end + terminator.count) }
                return Array(buffer[..<end])
            }
            guard fill() else { throw TestClientError.closed }
        }
    }

    private func firstRange(of terminator: [UInt8]) -> Int? {
        guard buffer.count >= terminator.count else { return nil }
        return (0...(buffer.count - terminator.count)).first {
            buffer[$0..<($0 + terminator.count)].elementsEqual(terminator)
        }
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[..<count]
        return true
    }
}
