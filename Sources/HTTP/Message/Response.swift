/// A response a handler returns. The server adds Content-Length or Transfer-Encoding, Date
/// and Connection itself; a handler sets the rest.
package struct Response: Sendable {
    package var status: HTTPStatus
    package var headers: HTTPHeaders
    package var body: ResponseBody
    /// Descriptors sent with the first byte of the response as SCM_RIGHTS, once, however its
    /// writes split. Only a Unix-domain connection carries them; on any other, and when the
    /// client leaves first, they are closed unsent.
    package var descriptors: PassedDescriptors?

    package init(
        status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: ResponseBody = .empty,
        descriptors: PassedDescriptors? = nil
    ) {
        self.status = status
        self.headers = headers
        self.body = body
        self.descriptors = descriptors
    }

    /// A fixed body of bytes with its Content-Type.
    package init(status: HTTPStatus, contentType: String, bytes: [UInt8]) {
        var headers = HTTPHeaders()
        headers.add("Content-Type", contentType)
        self.init(status: status, headers: headers, body: .bytes(bytes))
    }
}

/// What follows the head of a response.
package enum ResponseBody: Sendable {
    case empty
    /// A body known in full; sent with Content-Length in the same writev as the head.
    case bytes([UInt8])
    /// `length` bytes of an open file from `offset`, sent with sendfile(2) and Content-Length.
    /// The server calls `release` exactly once when it no longer needs the fd (sent, failed or
    /// the client left), so the owner can close a dup it made for this response.
    case file(FileRegion)
    /// A body produced over time (SSE, long downloads), sent chunked. The producer runs off the
    /// event loops; it ends by returning, and learns that the client left when `write` says so.
    case stream(@Sendable (ResponseWriter) async -> Void)
}

/// An fd range for `ResponseBody.file`.
package struct FileRegion: Sendable {
    package let fd: Int32
    package let offset: Int64
    package let length: Int64
    package let release: @Sendable () -> Void
    package init(fd: Int32, offset: Int64, length: Int64, release: @escaping @Sendable () -> Void) {
        (self.fd, self.offset, self.length, self.release) = (fd, offset, length, release)
    }
}

/// The producer's side of a streamed response body.
package protocol ResponseWriter: Sendable {
    /// Queues bytes as one chunk and waits until the connection has room for more (so a slow
    /// client slows the producer instead of growing a buffer). Returns false once the client
    /// has gone; the producer should then return.
    func write(_ bytes: [UInt8]) async -> Bool
}
