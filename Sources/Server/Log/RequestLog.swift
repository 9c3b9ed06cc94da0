import HTTP
import Logging

/// One `info` line per answered request (shown with `--log-level info`; the default, notice,
/// hides them: each costs about as much as a small request itself): method, route pattern, status, body bytes, duration
/// and request id, e.g. `… info gmemd: request method=GET route=/v1/health status=200 bytes=322
/// duration_ms=0.041 request_id=9f2c41d0-1a`. Nothing is built when the level hides info.
struct RequestLog: Sendable {
    let logger: Logger
    /// Read once: the level is fixed at start, and asking the logger costs a handler copy.
    let isEnabled: Bool

    init(logger: Logger) {
        self.logger = logger
        isEnabled = logger.logLevel <= .info
    }

    func record(_ request: CompletedRequest) {
        guard isEnabled else { return }
        logger.info("request", metadata: ["request": .stringConvertible(RequestFields(request))])
    }
}

/// A request's fields in a fixed order, written straight into the line (no dictionary of six).
private final class RequestFields: LogFields, @unchecked Sendable {
    let request: CompletedRequest

    init(_ request: CompletedRequest) { self.request = request }

    override func append(to line: inout LogLine) {
        line.add("method", text: request.method?.rawValue ?? "-")
        line.add("route", text: request.route ?? "-")
        line.add("status", number: request.status)
        line.add("bytes", number: request.bodyBytes)
        line.add("duration_ms", milliseconds: request.duration)
        line.add("request_id", text: request.requestID.description)
    }
}
