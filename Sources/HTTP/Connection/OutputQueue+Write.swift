import Glibc
import SystemPackage

extension OutputQueue {
    /// One writev over the leading byte segments and, if they are all there is, `staging`.
    mutating func writeBytes(to socket: borrowing StreamSocket) throws(Errno) -> WriteResult {
        var vectors = (iovec(), iovec(), iovec(), iovec(), iovec(), iovec(), iovec(), iovec())
        let result = try withUnsafeMutableBytes(of: &vectors) { (raw) throws(Errno) -> WriteResult in
            // SAFETY: the tuple holds exactly maxVectors iovecs, laid out contiguously.
            let iov = raw.bindMemory(to: iovec.self)
            return try gather(segmentIndex: 0, into: iov, count: 0, socket: socket).get()
        }
        if case .wrote(let count) = result { advance(by: count) }
        return result
    }

    /// Fills `iov` from segment `segmentIndex` on, pinning each array's storage for the call by
    /// nesting its `withUnsafeBytes`, then writes. Depth is at most maxVectors. (A `Result`,
    /// because `withUnsafeBytes` does not carry typed throws.)
    private func gather(
        segmentIndex: Int, into iov: UnsafeMutableBufferPointer<iovec>, count: Int,
        socket: borrowing StreamSocket
    ) -> Result<WriteResult, Errno> {
        if count < iov.count, segmentIndex < segments.count, case .bytes(let bytes) = segments[segmentIndex] {
            let skip = segmentIndex == 0 ? firstSent : 0
            return bytes.withUnsafeBytes { raw in
                // SAFETY: skip < bytes.count, because a fully written segment is removed at once.
                iov[count] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + skip),
                    iov_len: raw.count - skip)
                return gather(segmentIndex: segmentIndex + 1, into: iov, count: count + 1, socket: socket)
            }
        }
        if count < iov.count, segmentIndex == segments.count, stagingSent < staging.count {
            return staging.withUnsafeBytes { raw in
                // SAFETY: stagingSent < staging.count was checked above.
                iov[count] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + stagingSent),
                    iov_len: raw.count - stagingSent)
                return Result { () throws(Errno) in
                    try socket.write(UnsafePointer(iov.baseAddress!), count: count + 1)
                }
            }
        }
        return Result { () throws(Errno) in try socket.write(UnsafePointer(iov.baseAddress!), count: count) }
    }

    /// Sends the rest of a file segment with sendfile(2); releases the file once it is all sent.
    mutating func sendFile(_ region: FileRegion, to socket: borrowing StreamSocket) throws(Errno)
        -> WriteResult
    {
        var offset = region.offset + Int64(firstSent)
        let remaining = Int(region.length) - firstSent
        let result = try socket.send(file: region.fd, offset: &offset, count: min(remaining, 1 << 30))
        if case .wrote(let count) = result, count > 0 { advance(by: count) }
        return result
    }

    /// Drops `count` written bytes from the front: whole segments, then part of one, then staging.
    private mutating func advance(by count: Int) {
        var left = count
        pendingBytes -= count
        while left > 0, let first = segments.first {
            let size: Int
            switch first {
            case .bytes(let bytes): size = bytes.count
            case .file(let region): size = Int(region.length)
            }
            if left < size - firstSent {
                firstSent += left
                return
            }
            left -= size - firstSent
            if case .file(let region) = first { region.release() }
            segments.removeFirst()
            firstSent = 0
        }
        stagingSent += left
    }
}
