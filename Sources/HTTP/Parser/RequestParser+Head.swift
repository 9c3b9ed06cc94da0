import Glibc

extension RequestParser {
    /// Finds the end of the head, enforcing line endings and size limits as it scans, then
    /// parses it whole.
    mutating func advanceHead(_ bytes: UnsafeRawBufferPointer) -> (Move, Int) {
        if scanned == 0, let skip = skipEmptyLines(bytes) { return skip }
        let count = bytes.count
        var index = scanned
        while index < count {
            // SAFETY: index < count, so the base is non-nil and the count - index bytes from it
            // are inside `bytes`; memchr answers a pointer inside that range.
            guard let found = memchr(bytes.baseAddress! + index, Int32(ASCII.lf), count - index) else {
                break
            }
            let lf = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
            // A line already past its limit before this LF is refused for its length, as it is
            // when its bytes arrive without the LF: the answer must not depend on the split.
            if let tooLong = overLimit(before: lf) { return (.reject(tooLong), 0) }
            // RFC 9112 §2.2 lets a server accept a bare LF as a line ending; we refuse it, as
            // the foundation issue asks. `lf > lineStart ≥ 0`, so `lf - 1` is in this line.
            guard lf > lineStart, bytes[lf - 1] == ASCII.cr else {
                return (.reject(.badRequest("bare LF")), 0)
            }
            if requestLineEnd < 0 {
                if lf - 1 > limits.maxRequestLineBytes { return (.reject(.requestLineTooLong), 0) }
                requestLineEnd = lf
            } else {
                if lf - requestLineEnd > limits.maxHeaderBytes { return (.reject(.headerFieldsTooLarge), 0) }
                if lf - 1 == lineStart {
                    return parseHead(UnsafeRawBufferPointer(rebasing: bytes[...lf]), available: count)
                }
            }
            lineStart = lf + 1
            index = lf + 1
        }
        scanned = count
        // Refuse as soon as the limit is passed, without waiting for a line end that may never come.
        if let tooLong = overLimit(before: count) { return (.reject(tooLong), 0) }
        return (.needMoreBytes, 0)
    }

    /// The refusal for a head whose first `end` bytes hold no line end past the last one seen
    /// and already break a size limit. The request line may be followed by its CR, hence the + 1.
    private func overLimit(before end: Int) -> RequestError? {
        if requestLineEnd < 0 { return end > limits.maxRequestLineBytes + 1 ? .requestLineTooLong : nil }
        return end - requestLineEnd - 1 > limits.maxHeaderBytes ? .headerFieldsTooLarge : nil
    }

    /// RFC 9112 §2.2: a server SHOULD ignore empty lines (CRLF) before the request line, which
    /// some clients send after a body. Returns nil when the first byte starts a request line.
    private func skipEmptyLines(_ bytes: UnsafeRawBufferPointer) -> (Move, Int)? {
        var index = 0
        // SAFETY: each read is guarded by `index < count` or `index + 1 < count`.
        while index < bytes.count, bytes[index] == ASCII.cr {
            guard index + 1 < bytes.count else { return (.needMoreBytes, index) }
            guard bytes[index + 1] == ASCII.lf else { return (.reject(.badRequest("bare CR")), index) }
            index += 2
        }
        if index < bytes.count, bytes[index] == ASCII.lf { return (.reject(.badRequest("bare LF")), index) }
        return index == 0 ? nil : (.progress, index)
    }

    /// Parses a complete head (request line to the empty line, inclusive) and chooses how the
    /// body is framed.
    private mutating func parseHead(_ head: UnsafeRawBufferPointer, available: Int) -> (Move, Int) {
        do throws(RequestError) {
            // SAFETY: requestLineEnd is the LF at index ≥ 1 preceded by CR, inside `head`.
            let line = try RequestLine(UnsafeRawBufferPointer(rebasing: head[..<(requestLineEnd - 1)]))
            var facts = HeadFacts()
            var headers = HTTPHeaders()
            // SAFETY: the head ends with CRLF CRLF after the request line's LF, so the field
            // section [requestLineEnd + 1, count - 2) is in bounds and possibly empty.
            try forEachLine(UnsafeRawBufferPointer(rebasing: head[(requestLineEnd + 1)..<(head.count - 2)])) {
                (fieldLine) throws(RequestError) in
                let (name, value) = try Self.splitField(fieldLine)
                try facts.note(name, value)
                headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
            }
            let framing = try facts.framing(version: line.version, limits: limits)
            request = Request(
                method: line.method, target: line.target, version: line.version, headers: headers)
            request?.id = facts.requestID
            keepAlive = facts.keepAlive(version: line.version)
            (acceptsGzip, contentCoding) = (facts.gzipPreference ?? false, facts.contentCoding)
            let expectsContinue = facts.expectsContinue && line.version.minor == 1
            return begin(framing, expectsContinue: expectsContinue, head: head.count, available: available)
        } catch {
            return (.reject(error), 0)
        }
    }

    private mutating func begin(
        _ framing: HeadFacts.Framing, expectsContinue: Bool, head: Int, available: Int
    )
        -> (Move, Int)
    {
        switch framing {
        case .none: return (.complete, head)
        case .length(let length):
            body.reserveCapacity(min(length, 1 << 20))
            state = .fixedBody(remaining: length)
        case .chunked:
            state = .chunkSize
        }
        // If no byte follows the head, the body has not started and the client may be waiting
        // for 100 Continue (RFC 9110 §10.1.1); if some did, it is not waiting.
        return (.bodyAhead(expectsContinue: expectsContinue && head == available), head)
    }

    /// Calls `body` with each line of `section`, without its CRLF. Every line of the section
    /// ends in CRLF: the scan proved it.
    private func forEachLine(
        _ section: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws(RequestError) -> Void
    ) throws(RequestError) {
        var start = 0
        // SAFETY: start < count, so [start, count) is non-empty and memchr stays inside it.
        while start < section.count,
            let found = memchr(section.baseAddress! + start, Int32(ASCII.lf), section.count - start)
        {
            let lf = section.baseAddress!.distance(to: UnsafeRawPointer(found))
            // The scan refused an LF at the start of a line, so lf - 1 ≥ start.
            try body(UnsafeRawBufferPointer(rebasing: section[start..<(lf - 1)]))
            start = lf + 1
        }
    }

    /// Splits `name: value`, refusing what RFC 9112 §5 forbids.
    static func splitField(_ line: UnsafeRawBufferPointer) throws(RequestError) -> (
        name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer
    ) {
        // RFC 9112 §5.2: obs-fold (a line starting with SP or HTAB) is refused, not unfolded;
        // §2.2: so is whitespace between the request line and the first field.
        if let first = line.first, first == ASCII.space || first == ASCII.tab {
            throw .badRequest("obs-fold or leading whitespace in a field line")
        }
        var colon = 0
        while colon < line.count, ASCII.isTokenByte(line[colon]) { colon += 1 }
        guard colon < line.count else { throw .badRequest("field line without a colon") }
        // SAFETY: colon < count.
        switch line[colon] {
        case ASCII.colon where colon > 0: break
        // RFC 9112 §5.1: whitespace between the name and the colon MUST be refused with 400.
        case ASCII.space, ASCII.tab: throw .badRequest("whitespace before the colon")
        default: throw .badRequest("invalid byte in a field name")
        }
        let value = ASCII.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
        // RFC 9110 §5.5: CR, LF and NUL (and the other controls) never belong in a value; a
        // bare CR lands here.
        for byte in value where !ASCII.isFieldValueByte(byte) {
            throw .badRequest("invalid byte in a field value")
        }
        return (UnsafeRawBufferPointer(rebasing: line[..<colon]), value)
    }
}
