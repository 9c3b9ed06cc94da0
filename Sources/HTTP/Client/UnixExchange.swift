import CSocket
import Glibc
import Posix
package import SystemPackage

/// One request over a Unix-domain socket and its whole answer, with the descriptors that came
/// with it (SCM_RIGHTS, close-on-exec): the client side of descriptor passing, for `gmemd fd`.
/// The request must ask for `Connection: close`: the answer is read until the server closes.
package struct UnixExchange {
    package let status: Int
    package let body: [UInt8]
    /// Owned by the caller from here on.
    package let descriptors: [Int32]

    /// Connects to `path`, sends `request`, reads the answer; waits at most `timeout` seconds
    /// for each read. The corresponding C calls are `socket`, `connect`, `sendmsg`, `recvmsg`.
    package init(path: String, request: [UInt8], timeout: Int32 = 30) throws(Errno) {
        let fd = try syscall("socket") {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        }
        defer { _ = close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .fileNameTooLong }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        _ = try syscall("connect") {
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        var sent = 0
        while sent < request.count {
            var watch = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            guard poll(&watch, 1, timeout * 1000) == 1 else { throw .timedOut }
            let start = sent
            let count = try syscall("sendmsg") {
                request[start...].withUnsafeBytes { raw in
                    var vector = iovec(
                        iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count)
                    return gmemd_send_with_fds(fd, &vector, 1, nil, 0)
                }
            }
            sent += count
        }
        var answer: [UInt8] = []
        var descriptors: [Int32] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var watch = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&watch, 1, timeout * 1000) == 1 else {
                for received in descriptors { _ = close(received) }
                throw .timedOut
            }
            var received = [Int32](repeating: -1, count: 8 + 2)
            var count: Int32 = 0
            let length = try syscall("recvmsg") {
                chunk.withUnsafeMutableBytes { raw in
                    received.withUnsafeMutableBufferPointer {
                        gmemd_recv_with_fds(fd, raw.baseAddress, UInt(raw.count), $0.baseAddress, 8, &count)
                    }
                }
            }
            // SAFETY: recvmsg stored `count` ≤ 10 descriptors and `length` ≤ chunk.count bytes.
            descriptors += received[..<Int(count)]
            if length == 0 { break }
            answer += chunk[..<length]
        }
        guard let (status, body) = Self.split(answer) else {
            for received in descriptors { _ = close(received) }
            throw .badMessage
        }
        (self.status, self.body, self.descriptors) = (status, body, descriptors)
    }

    /// The status code and the body of a whole HTTP/1.1 response framed by Content-Length or by
    /// the close.
    private static func split(_ answer: [UInt8]) -> (Int, [UInt8])? {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard answer.count >= 12,
            let end = (0...(answer.count - 4)).first(where: { answer[$0..<($0 + 4)].elementsEqual(separator) }
            ),
            let status = Int(String(decoding: answer[9..<12], as: UTF8.self))
        else { return nil }
        return (status, Array(answer[(end + 4)...]))
    }
}
