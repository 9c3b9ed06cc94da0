import CSocket
import Glibc
import Posix
package import SystemPackage

/// A Unix-domain datagram socket connected to one address: how a service speaks to its manager
/// (sd_notify's `$NOTIFY_SOCKET`). A path names a socket file; a leading `@` names one in the
/// abstract namespace (unix(7)), whose address is a NUL and the rest, not NUL-terminated.
package final class UnixDatagramSocket: Sendable {
    private let fd: Int32

    /// The corresponding C calls are `socket` and `connect`.
    package init(address: String) throws(Errno) {
        var bytes = Array(address.utf8)
        guard !bytes.isEmpty, !bytes.contains(0) else { throw .invalidArgument }
        let abstract = bytes[0] == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count < MemoryLayout.size(ofValue: socketAddress.sun_path) else { throw .fileNameTooLong }
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        // An abstract name is exactly its bytes long; a path may be given with its NUL.
        let length = MemoryLayout.offset(of: \sockaddr_un.sun_path)! + bytes.count + (abstract ? 0 : 1)
        let fd = try syscall("socket") {
            socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            _ = try syscall("connect") {
                withUnsafePointer(to: &socketAddress) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(fd, $0, socklen_t(length))
                    }
                }
            }
        } catch {
            _ = close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { _ = close(fd) }

    /// Sends `message` as one datagram with `descriptors` as SCM_RIGHTS (the receiver gets its
    /// own copies; the caller keeps these). A full receive queue is waited on for at most
    /// `timeout` milliseconds. The corresponding C call is `sendmsg`.
    package func send(_ message: [UInt8], descriptors: [Int32] = [], timeout: Int32 = 5000) throws(Errno) {
        while true {
            do {
                _ = try syscall("sendmsg") {
                    message.withUnsafeBytes { raw in
                        var vector = iovec(
                            iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress), iov_len: raw.count)
                        return descriptors.withUnsafeBufferPointer {
                            gmemd_send_with_fds(fd, &vector, 1, $0.baseAddress, Int32($0.count))
                        }
                    }
                }
                return
            } catch .resourceTemporarilyUnavailable {
                var watch = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&watch, 1, timeout) == 1 else { throw .timedOut }
            }
        }
    }

    /// Sends `message` with one end of a new socket pair and waits up to `timeout` milliseconds
    /// until the receiver closed its copy (the other end then reads end of file), as
    /// sd_notify_barrier(3) does with a pipe: a receiver that handles datagrams in order has then
    /// handled every one sent before this. The corresponding C calls are `socketpair`, `sendmsg`
    /// and `poll`.
    package func sendAwaitingReceipt(_ message: [UInt8], timeout: Int32 = 5000) throws(Errno) {
        var ends: [Int32] = [-1, -1]
        _ = try syscall("socketpair") {
            socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0, &ends)
        }
        defer { _ = close(ends[0]) }
        do {
            try send(message, descriptors: [ends[1]], timeout: timeout)
        } catch {
            _ = close(ends[1])
            throw error
        }
        _ = close(ends[1])
        var watch = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        guard try syscall("poll", { poll(&watch, 1, timeout) }) == 1 else { throw .timedOut }
    }
}
