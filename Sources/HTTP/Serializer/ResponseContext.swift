/// What a response must respect of the request it answers.
struct ResponseContext: Sendable {
    /// HEAD: the head as for GET, no body (RFC 9110 §9.3.2).
    var isHead: Bool
    /// A 1.0 client: no chunked coding; keep-alive only when announced (RFC 9112 §9.3).
    var isHTTP10: Bool
    /// Whether the connection stays open after this response.
    var keepAlive: Bool
    /// Whether the client takes a gzip-coded body (Accept-Encoding).
    var acceptsGzip = false
    /// Sent as `X-Request-Id` unless none.
    var requestID = RequestID.none
}
