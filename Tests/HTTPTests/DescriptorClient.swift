import CSocket
import Foundation
import Glibc
import TestSupport

/// A blocking Unix-domain client that sends and receives descriptors as SCM_RIGHTS, so tests see
/// which read of a response brought which descriptor. Reads time out after 30 s (scaled) and run on a
/// thread of their own, as RawConnection's async ones do. `@unchecked Sendable`: one test uses it at a time.
final class DescriptorClient: @unchecked Sendable {
    private(set) var fd: Int32

    /// One recvmsg: where its bytes start in the stream, the bytes, the descriptors that came.
    struct Read {
        var offset: Int
        var bytes: [UInt8]
        var descriptors: [Int32]
    }

    init(unixPath: String) throws {
        let client = try RawConnection(unixPath: unixPath, readTimeout: LiveServer.readTimeout)
        fd = dup(client.descriptor)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Sends `text` in one sendmsg with `descriptors` attached to its first byte.
    func send(_ text: String, descriptors: [Int32] = []) throws {
        var bytes = Array(text.utf8)
        let sent = bytes.withUnsafeMutableBytes { raw in
            var vector = iovec(iov_base: raw.baseAddress, iov_len: raw.count)
            return descriptors.withUnsafeBufferPointer {
                gmemd_send_with_fds(fd, &vector, 1, $0.baseAddress, Int32($0.count))
            }
        }
        guard sent == bytes.count else {
            throw EndToEndError.socket("sendmsg: \(String(cString: strerror(errno)))")
        }
    }

    /// Leaves abruptly (a reset), without reading what the server sent.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
        fd = -1
    }

    /// Reads until the server closes, or `reads` recvmsg calls, `chunk` bytes at most in each.
    func readUntilClosed(chunk: Int = 4096, reads: Int = .max) async throws -> [Read] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try self.readBlocking(chunk: chunk, limit: reads) })
            }
        }
    }

    private func readBlocking(chunk: Int, limit: Int) throws -> [Read] {
        var reads: [Read] = []
        var offset = 0
        while reads.count < limit {
            // The shim's recvmsg does not wait (MSG_DONTWAIT): poll first, 30 s at most.
            var watch = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&watch, 1, Int32(30_000 * TimeScale.factor)) == 1 else {
                throw EndToEndError.timedOut(
                    "nothing to read for \(30 * TimeScale.factor) s after \(reads.count) reads")
            }
            var buffer = [UInt8](repeating: 0, count: chunk)
            var fds = [Int32](repeating: -1, count: 16)
            var count: Int32 = 0
            let length = buffer.withUnsafeMutableBytes { raw in
                fds.withUnsafeMutableBufferPointer {
                    gmemd_recv_with_fds(fd, raw.baseAddress, UInt(raw.count), $0.baseAddress, 8, &count)
                }
            }
            guard length > 0 else { return reads }
            reads.append(
                Read(offset: offset, bytes: Array(buffer[..<length]), descriptors: Array(fds[..<Int(count)])))
            offset += length
        }
        return reads
    }
}

/// A pipe (a socket pair) whose write end a test hands around: once every copy of it is closed, the read end
/// sees end-of-file. That is how a test knows the server closed the copies it held.
struct TestPipe {
    let readEnd: Int32
    var writeEnd: Int32

    init() {
        var ends: [Int32] = [-1, -1]
        // A socket pair, as a pipe that is close-on-exec from its first instant: a child that
        // another suite starts meanwhile must not keep a write end open.
        let type = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
        precondition(socketpair(AF_UNIX, type, 0, &ends) == 0, "socketpair: \(errno)")
        (readEnd, writeEnd) = (ends[0], ends[1])
    }

    /// Closes the test's own write end.
    mutating func closeWriteEnd() {
        close(writeEnd)
        writeEnd = -1
    }

    /// What arrived on the read end, once every write end is closed; nil if one is still open
    /// after 10 s.
    func readToEnd() async -> [UInt8]? {
        let fd = readEnd
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                var watch = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                while poll(&watch, 1, Int32(10_000 * TimeScale.factor)) == 1 {
                    var chunk = [UInt8](repeating: 0, count: 256)
                    let count = read(fd, &chunk, chunk.count)
                    if count <= 0 { return continuation.resume(returning: bytes) }
                    bytes += chunk[..<count]
                }
                continuation.resume(returning: nil)
            }
        }
    }

    func closeAll() {
        close(readEnd)
        if writeEnd >= 0 { close(writeEnd) }
    }
}
