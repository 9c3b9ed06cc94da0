import Glibc
import SystemPackage

extension OutputQueue {
    /// One writev over the leading byte segments and, if they are all there is, `staging`; never
    /// past the next descriptor pass. At a pass, one sendmsg carries its descriptors with the
    /// first byte; once anything is written they are in the peer's queue, and ours are closed.
    mutating func writeBytes(to socket: borrowing StreamSocket) throws(Errno) -> WriteResult {
        let pass = passes.first.flatMap { $0.ahead == 0 ? $0.descriptors : nil }
        // The write stops before the next pass: its descriptors must go with its own first byte.
        let next = pass == nil ? passes.first : passes.dropFirst().first
        let limit = next.map(\.ahead)
        var vectors = (iovec(), iovec(), iovec(), iovec(), iovec(), iovec(), iovec(), iovec())
        let result = try withUnsafeMutableBytes(of: &vectors) { (raw) throws(Errno) -> WriteResult in
            // SAFETY: the tuple holds exactly maxVectors iovecs, laid out contiguously.
            let iov = raw.bindMemory(to: iovec.self)
            return try gather(segmentIndex: 0, into: iov, count: 0) { (iov, count) throws(Errno) in
                let count = Self.trim(iov, count: count, to: limit)
                guard let pass else { return try socket.write(iov, count: count) }
                return try socket.write(iov, count: count, passing: pass.held)
            }.get()
        }
        guard case .wrote(let count) = result else { return result }
        if let pass, count > 0 {
            passes.removeFirst()
            pass.close()
        }
        advance(by: count)
        return result
    }

    /// Shortens the first `count` iovecs to `limit` bytes in all (none: unchanged); returns how
    /// many are left. A limit of 0 is never asked: at a pass its descriptors go instead, and two
    /// passes never share a byte (every response has a head).
    private static func trim(_ iov: UnsafeMutablePointer<iovec>, count: Int, to limit: Int?) -> Int {
        guard var left = limit else { return count }
        for index in 0..<count {
            // SAFETY: index < count, the iovecs gather filled.
            if iov[index].iov_len >= left {
                iov[index].iov_len = left
                return index + 1
            }
            left -= iov[index].iov_len
        }
        return count
    }

    /// Fills `iov` from segment `segmentIndex` on, pinning each array's storage for the call by
    /// nesting its `withUnsafeBytes`, then calls `write` with them. Depth is at most maxVectors.
    /// (A `Result`, because `withUnsafeBytes` does not carry typed throws.)
    private func gather(
        segmentIndex: Int, into iov: UnsafeMutableBufferPointer<iovec>, count: Int,
        write: (UnsafeMutablePointer<iovec>, Int) throws(Errno) -> WriteResult
    ) -> Result<WriteResult, Errno> {
        if count < iov.count, segmentIndex < segments.count, case .bytes(let bytes) = segments[segmentIndex] {
            let skip = segmentIndex == 0 ? firstSent : 0
            return bytes.withUnsafeBytes { raw in
                // SAFETY: skip < bytes.count, because a fully written segment is removed at once.
                iov[count] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + skip),
                    iov_len: raw.count - skip)
                return gather(segmentIndex: segmentIndex + 1, into: iov, count: count + 1, write: write)
            }
        }
        if count < iov.count, segmentIndex == segments.count, stagingSent < staging.count {
            return staging.withUnsafeBytes { raw in
                // SAFETY: stagingSent < staging.count was checked above.
                iov[count] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: raw.baseAddress! + stagingSent),
                    iov_len: raw.count - stagingSent)
                return Result { () throws(Errno) in try write(iov.baseAddress!, count + 1) }
            }
        }
        return Result { () throws(Errno) in try write(iov.baseAddress!, count) }
    }

    /// Sends the rest of a file segment with sendfile(2); releases the file once it is all sent.
    mutating func sendFile(_ region: FileRegion, to socket: borrowing StreamSocket) throws(Errno)
        -> WriteResult
    {
        var offset = region.offset + Int64(firstSent)
        let remaining = Int(region.length) - firstSent
        // A pass never waits behind a file: its response's head comes after the file's end.
        let count = min(remaining, 1 << 30, passes.first?.ahead ?? .max)
        let result = try socket.send(file: region.fd, offset: &offset, count: count)
        if case .wrote(let count) = result, count > 0 { advance(by: count) }
        return result
    }

    /// Drops `count` written bytes from the front: whole segments, then part of one, then staging.
    private mutating func advance(by count: Int) {
        var left = count
        pendingBytes -= count
        for index in passes.indices { passes[index].ahead -= count }
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
