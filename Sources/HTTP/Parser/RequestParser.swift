/// An incremental HTTP/1.1 request parser: bytes in, steps out, no I/O (style.md §9).
///
/// Contract: call `parse` with the connection's unconsumed bytes; it returns a step and how
/// many leading bytes it used. The caller drops those and, on the next call, passes the rest
/// again with new bytes appended. A head is kept unconsumed until it is whole (the scan
/// resumes where it stopped, so a head fed one byte at a time costs O(n)); body bytes are
/// copied out and consumed as they come.
package struct RequestParser: Sendable {
    /// Where the parser is in a request, for the connection's timeouts.
    package enum Phase: Equatable, Sendable {
        /// Between requests: no byte of the next one seen.
        case idle
        case head
        case body
    }

    enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
        /// A reject was returned; the connection closes.
        case failed
    }

    let limits: ParserLimits
    var state = State.head
    /// Head bytes already checked for line endings, from the start of the unconsumed bytes.
    var scanned = 0
    /// Start of the line the scan is in.
    var lineStart = 0
    /// Index of the LF that ends the request line, once seen.
    var requestLineEnd = -1
    /// The request whose head is parsed and whose body is arriving.
    var request: Request?
    var keepAlive = true
    var acceptsGzip = false
    var contentCoding = ContentCoding.identity
    var body: [UInt8] = []
    /// The most body bytes the request being read may bring: `limits.maxBodyBytes`, or less
    /// when its route takes less (`limitBody`).
    var bodyLimit: Int

    package init(limits: ParserLimits = ParserLimits()) {
        self.limits = limits
        bodyLimit = limits.maxBodyBytes
    }

    /// Holds the body of the request whose head was just returned to `bytes`, if that is less
    /// than the server's limit: a chunk that would pass it is refused (413), and the next
    /// request has the server's limit again. A Content-Length past it is for the caller to
    /// refuse from the head.
    package mutating func limitBody(to bytes: Int) { bodyLimit = min(bodyLimit, bytes) }

    /// The head of the request whose body is arriving, once `.head` was returned.
    package var pendingHead: Request? { request }

    /// Body bytes the request being read will hold at least: those kept so far and the rest of
    /// its Content-Length, or of the chunk being read. 0 between requests.
    package var promisedBodyBytes: Int {
        switch state {
        case .fixedBody(let remaining), .chunkData(let remaining): body.count + remaining
        default: body.count
        }
    }

    package var phase: Phase {
        switch state {
        case .head, .failed: scanned == 0 ? .idle : .head
        default: .body
        }
    }

    /// Advances over `bytes` (see the type's contract) until a step is due.
    package mutating func parse(_ bytes: UnsafeRawBufferPointer) -> (step: ParseStep, consumed: Int) {
        var offset = 0
        while true {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let (step, used) = advance(rest)
            offset += used
            switch step {
            case .progress: continue
            case .needMoreBytes: return (.needMoreBytes, offset)
            case .bodyAhead(let expectsContinue): return (.head(expectsContinue: expectsContinue), offset)
            case .complete: return (.request(finish()), offset)
            case .reject(let error):
                state = .failed
                return (.reject(error), offset)
            }
        }
    }

    /// One move of the state machine; `.progress` means call again on the rest.
    enum Move {
        case progress, needMoreBytes, complete
        case bodyAhead(expectsContinue: Bool)
        case reject(RequestError)
    }

    private mutating func advance(_ bytes: UnsafeRawBufferPointer) -> (Move, Int) {
        switch state {
        case .head: return advanceHead(bytes)
        case .fixedBody(let remaining):
            let count = min(remaining, bytes.count)
            body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
            state = .fixedBody(remaining: remaining - count)
            if remaining == count { return (.complete, count) }
            return (.needMoreBytes, count)
        case .chunkSize: return advanceChunkSize(bytes)
        case .chunkData(let remaining): return advanceChunkData(bytes, remaining: remaining)
        case .chunkDataEnd: return advanceChunkDataEnd(bytes)
        case .trailers(let seen): return advanceTrailers(bytes, seen: seen)
        case .failed: return (.reject(.badRequest("connection already refused")), 0)
        }
    }

    /// Hands out the finished request and readies the parser for the next one.
    private mutating func finish() -> ParsedRequest {
        // `complete` is only returned after a head was parsed into `request`.
        var finished = request!
        swap(&finished.body, &body)
        let parsed = ParsedRequest(
            request: finished, keepAlive: keepAlive, acceptsGzip: acceptsGzip, contentCoding: contentCoding)
        request = nil
        state = .head
        bodyLimit = limits.maxBodyBytes
        (scanned, lineStart, requestLineEnd) = (0, 0, -1)
        return parsed
    }
}
