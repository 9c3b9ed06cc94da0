import Glibc
import SystemPackage

extension StreamSocket {
    /// Takes the TLS handshake as far as the socket allows; `.done` at once for plain TCP.
    func handshake() -> TLSSession.HandshakeStep {
        tls?.handshake() ?? .done
    }

    /// A plain-HTTP request on the TLS port gets a plain 400 saying so, as nginx answers, then the
    /// connection closes. It is written once, unencrypted, and fits any socket buffer, so a
    /// failed or short write only loses the courtesy. The corresponding C call is `write`.
    func refusePlainHTTP() {
        let text: StaticString = """
            HTTP/1.1 400 Bad Request\r
            Content-Type: text/plain\r
            Content-Length: 42\r
            Connection: close\r
            \r
            This port speaks HTTPS; use https:// URLs.
            """
        _ = Glibc.write(fd, text.utf8Start, text.utf8CodeUnitCount)
    }

    /// writev's contract over TLS: the vectors in order, as far as the socket takes them.
    /// OpenSSL has no writev: each vector becomes one SSL_write (small heads and bodies share
    /// one vector, `OutputQueue.staging`, so a response is usually one record).
    static func write(_ vectors: UnsafePointer<iovec>, count: Int, through tls: TLSSession) throws(Errno)
        -> WriteResult
    {
        var total = 0
        for index in 0..<count {
            // SAFETY: the caller filled `count` iovecs.
            let vector = vectors[index]
            switch try tls.write(UnsafeRawBufferPointer(start: vector.iov_base, count: vector.iov_len)) {
            case .wrote(let written):
                total += written
                if written < vector.iov_len { return .wrote(total) }
            case .wouldBlock:
                return total > 0 ? .wrote(total) : .wouldBlock
            }
        }
        return .wrote(total)
    }

    /// sendfile's contract over TLS: one record's worth read with pread(2) and encrypted. A
    /// retry after `wouldBlock` reads the same offset again, as `TLSSession.write` requires.
    static func send(file: Int32, offset: inout Int64, count: Int, through tls: TLSSession) throws(Errno)
        -> WriteResult
    {
        try withUnsafeTemporaryAllocation(byteCount: min(count, 16 * 1024), alignment: 16) {
            (buffer) throws(Errno) -> WriteResult in
            let read = try readFile(file, into: buffer, at: offset)
            // A file shorter than its region: reported as no progress, which the queue treats
            // as a broken body.
            guard read > 0 else { return .wrote(0) }
            // SAFETY: pread filled `read` ≤ buffer.count bytes.
            let result = try tls.write(UnsafeRawBufferPointer(rebasing: buffer[..<read]))
            if case .wrote(let written) = result { offset += Int64(written) }
            return result
        }
    }
}
