/// One answered request, as the server reports it to `ServerConfiguration.requestObserver`:
/// once its response is queued, or for a streamed body once the stream has ended (or the
/// client left during it). Logs and metrics are built on this in Server; HTTP keeps none.
package struct CompletedRequest: Sendable {
    /// nil when the parser refused the request before its method could be trusted.
    package var method: HTTPMethod?
    /// The route pattern that answered (`/v1/files/{id}`), or nil when none matched (404, or a
    /// request refused before routing): never the raw path, so ids never become labels.
    package var route: String?
    package var status: Int
    /// Body bytes sent: after compression, 0 for HEAD and bodiless statuses.
    package var bodyBytes: Int
    /// From the wakeup that completed the request's bytes to its response being queued.
    package var duration: Duration
    /// The `X-Request-Id` the response carries (`description` spells it).
    package var requestID: RequestID
}

/// Called on the connection's event-loop thread once per request: keep it short and lock-light,
/// as it runs on the server's hot path.
package typealias RequestObserver = @Sendable (CompletedRequest) -> Void
