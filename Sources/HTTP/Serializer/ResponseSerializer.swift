/// A stream body's producer, started by the connection after the head is queued.
typealias StreamProducer = @Sendable (ResponseWriter) async -> Void

/// What the serializer queued: the status it sent (a handler's invalid one becomes 500), the
/// body bytes it queued (a stream's are counted as they come) and a stream producer to start.
struct QueuedResponse {
    var status: Int
    var bodyBytes: Int
    var producer: StreamProducer?
}

extension OutputQueue {
    /// Queues `response` for the request described by `context`: head, then the body unless
    /// the request was HEAD. Framing is the server's alone: the handler's Content-Length,
    /// Transfer-Encoding and Connection fields are dropped, an invalid status becomes 500 and
    /// a field with bytes that could break the head is left out, so a handler returning
    /// garbage cannot desynchronise the connection. `context.keepAlive` comes back false when
    /// the response can only end with the connection.
    mutating func append(_ response: Response, context: inout ResponseContext, date: [UInt8])
        -> QueuedResponse
    {
        var response = response
        if !(200...599).contains(response.status.code) || !Self.isValidReason(response.status.reason) {
            response.body.release()
            response = ProblemResponse.make(
                .internalError, .internalServerError, detail: "the handler returned an invalid status")
        }
        // RFC 9110 §6.4.1: 204 and 304 never have content; 204 has no Content-Length either.
        let hasContent = response.status.code != 204 && response.status.code != 304
        if !hasContent {
            response.body.release()
            response.body = .empty
        }
        let framing: BodyFraming
        switch response.body {
        case .empty: framing = hasContent ? .length(0) : .none
        case .bytes(let bytes): framing = .length(bytes.count)
        case .file(let region): framing = .length(Int(region.length))
        // RFC 9112 §6.1: no chunked coding to a 1.0 client; the body then ends with the connection.
        case .stream: framing = context.isHTTP10 ? .untilClose : .chunked
        }
        if case .untilClose = framing { context.keepAlive = false }
        appendHead(response, framing: framing, context: &context, date: date)
        var queued = QueuedResponse(status: response.status.code, bodyBytes: 0, producer: nil)
        if context.isHead {
            response.body.release()
            return queued
        }
        switch response.body {
        case .empty: break
        case .bytes(let bytes):
            append(body: bytes)
            queued.bodyBytes = bytes.count
        case .file(let region):
            append(file: region)
            queued.bodyBytes = Int(region.length)
        case .stream(let producer): queued.producer = producer
        }
        return queued
    }

    /// One chunk of a chunked body (RFC 9112 §7.1): size in hex, CRLF, data, CRLF.
    mutating func appendChunk(_ bytes: [UInt8]) {
        appendHex(bytes.count)
        append("\r\n")
        append(body: bytes)
        append("\r\n")
    }

    enum BodyFraming {
        case none
        case length(Int)
        case chunked
        case untilClose
    }

    private mutating func appendHead(
        _ response: Response, framing: BodyFraming, context: inout ResponseContext, date: [UInt8]
    ) {
        append("HTTP/1.1 ")
        appendDecimal(response.status.code)
        append(" ")
        appendText(response.status.reason)
        append("\r\n")
        var hasDate = false
        for (name, value) in response.headers {
            switch FieldCheck(name: name, value: value) {
            case .invalid, .framing, .requestID: continue
            case .connection(let asksClose): if asksClose { context.keepAlive = false }
            case .date:
                hasDate = true
                appendField(name, value)
            case .other: appendField(name, value)
            }
        }
        switch framing {
        case .none, .untilClose: break
        case .length(let length):
            append("Content-Length: ")
            appendDecimal(length)
            append("\r\n")
        case .chunked: append("Transfer-Encoding: chunked\r\n")
        }
        if !hasDate {
            append("Date: ")
            date.withUnsafeBytes { append($0) }
            append("\r\n")
        }
        if !context.requestID.isNone { appendRequestID(context.requestID) }
        if !context.keepAlive {
            append("Connection: close\r\n")
        } else if context.isHTTP10 {
            append("Connection: keep-alive\r\n")
        }
        append("\r\n")
    }

    /// One append of a line made on the stack: this runs for every response.
    private mutating func appendRequestID(_ id: RequestID) {
        var line: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &line) { id.headerLine(into: $0) }
        guard let count else { return appendField("X-Request-Id", id.description) }
        // SAFETY: headerLine wrote `count` ≤ 48 bytes at the start of `line`.
        withUnsafeBytes(of: &line) { append(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    private mutating func appendField(_ name: String, _ value: String) {
        appendText(name)
        append(": ")
        appendText(value)
        append("\r\n")
    }

    private mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    mutating func appendDecimal(_ value: Int) {
        withDecimalDigits(of: value.magnitude) { append($0) }
    }

    private mutating func appendHex(_ value: Int) {
        let text = String(value, radix: 16)
        appendText(text)
    }

    private static func isValidReason(_ reason: String) -> Bool {
        reason.utf8.allSatisfy(ASCII.isFieldValueByte)
    }
}
