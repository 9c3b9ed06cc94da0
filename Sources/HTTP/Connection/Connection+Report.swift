/// What the connection remembers of the request it is answering, for the loop's observer.
struct RequestTrace {
    var method: HTTPMethod?
    var route: String?
    /// Monotonic nanoseconds: the wakeup in which the request's last bytes were read.
    var start: UInt64 = 0
    /// For a streamed body: the status sent, and the body bytes so far.
    var status = 0
    var streamedBytes = 0
}

extension Connection {
    /// Tells the observer, if there is one, that the request in `trace` has been answered.
    func report(status: Int, bodyBytes: Int, requestID: RequestID) {
        guard let observer = loop.observer else { return }
        let elapsed = MonotonicClock.now() &- trace.start
        observer(
            CompletedRequest(
                method: trace.method, route: trace.route, status: status, bodyBytes: bodyBytes,
                duration: .nanoseconds(Int64(clamping: elapsed)), requestID: requestID))
    }

    /// A streamed response has ended, or its client left during it.
    func reportStreamEnd() {
        guard case .streaming(let context) = state else { return }
        report(status: trace.status, bodyBytes: trace.streamedBytes, requestID: context.requestID)
    }
}
