/// What the parser asks of its connection after a call.
package enum ParseStep: Sendable {
    /// Every byte given is used or kept; call again with more appended.
    case needMoreBytes
    /// A head whose body is still to come (`pendingHead`): the connection may judge it before
    /// a body byte is kept, and refuse it. `expectsContinue`: the head asked for `100-continue`
    /// and no body byte has arrived, so send `HTTP/1.1 100 Continue` if the request is admitted
    /// (RFC 9110 §10.1.1). Call again as bytes arrive.
    case head(expectsContinue: Bool)
    /// A whole request, body included.
    case request(ParsedRequest)
    /// Answer with the error's status and close.
    case reject(RequestError)
}

/// A request and what its head said about the connection.
package struct ParsedRequest: Sendable {
    package var request: Request
    /// Whether the connection may carry another request after this one (RFC 9112 §9.3).
    package var keepAlive: Bool
    /// Whether the client takes a gzip-coded response (Accept-Encoding).
    package var acceptsGzip = false
    /// The coding of `request.body`, still to be undone.
    package var contentCoding = ContentCoding.identity
}

/// Limits the parser enforces, from `ServerConfiguration`.
package struct ParserLimits: Sendable {
    package var maxRequestLineBytes: Int
    package var maxHeaderBytes: Int
    package var maxBodyBytes: Int

    package init(maxRequestLineBytes: Int = 8192, maxHeaderBytes: Int = 16384, maxBodyBytes: Int = 64 << 20) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }
}
