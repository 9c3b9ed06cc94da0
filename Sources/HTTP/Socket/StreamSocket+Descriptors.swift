import CSocket
import Glibc
import Posix
import SystemPackage

/// SCM_RIGHTS on a Unix-domain connection (unix(7)): descriptors travel with the bytes of one
/// sendmsg, attached to its first byte, and a recvmsg that returns some never carries bytes of a
/// later message that brought others.
extension StreamSocket {
    /// Reads what is there, like `read`, and appends the descriptors that came with it (close-on-
    /// exec) to `descriptors`, keeping at most `limit` of them: the kernel closes those past its
    /// room, this closes any it handed over past `limit`. The corresponding C call is `recvmsg`.
    func read(
        into buffer: UnsafeMutableRawBufferPointer, descriptors: inout [Int32], limit: Int
    ) throws(Errno) -> ReadResult {
        // Room for `limit + 2`: see gmemd_recv_with_fds. On the stack, as every read of a Unix
        // connection comes here. (A `Result`: the allocation's closure does not carry typed throws.)
        try withUnsafeTemporaryAllocation(of: Int32.self, capacity: limit + 2) { received in
            Result { () throws(Errno) -> ReadResult in
                try receive(into: buffer, received, &descriptors, limit)
            }
        }.get()
    }

    /// One recvmsg, its descriptors landing in `received`: the body of `read(into:descriptors:limit:)`.
    private func receive(
        into buffer: UnsafeMutableRawBufferPointer, _ received: UnsafeMutableBufferPointer<Int32>,
        _ descriptors: inout [Int32], _ limit: Int
    ) throws(Errno) -> ReadResult {
        var count: Int32 = 0
        let result: ReadResult
        do {
            let length = try syscall("recvmsg") {
                gmemd_recv_with_fds(
                    fd, buffer.baseAddress, UInt(buffer.count), received.baseAddress, Int32(limit), &count)
            }
            result = length == 0 ? .endOfStream : .bytes(length)
        } catch .resourceTemporarilyUnavailable {
            return .wouldBlock
        }
        // SAFETY: recvmsg stored `count` ≤ limit + 2 descriptors at the start of `received`.
        for fd in received[..<Int(count)] {
            if descriptors.count < limit { descriptors.append(fd) } else { _ = Glibc.close(fd) }
        }
        return result
    }

    /// Writes the first `count` iovecs in one call, like `write`, with `descriptors` attached to
    /// the first byte. When it writes anything, the peer's queue holds its own references to
    /// them and the caller may close its copies. The corresponding C call is `sendmsg`.
    func write(_ vectors: UnsafePointer<iovec>, count: Int, passing descriptors: [Int32]) throws(Errno)
        -> WriteResult
    {
        do {
            let written = try syscall("sendmsg") {
                descriptors.withUnsafeBufferPointer {
                    gmemd_send_with_fds(fd, vectors, Int32(count), $0.baseAddress, Int32($0.count))
                }
            }
            return .wrote(written)
        } catch .resourceTemporarilyUnavailable {
            return .wouldBlock
        }
    }
}
