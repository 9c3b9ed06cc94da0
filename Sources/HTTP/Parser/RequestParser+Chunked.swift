import Glibc

/// The chunked transfer coding (RFC 9112 §7.1): sizes in hex, extensions skipped, data copied
/// into the body, trailers checked for framing and discarded.
extension RequestParser {
    /// Longest chunk-size line (size and extensions) accepted; no client needs more.
    static let maxChunkLineBytes = 4096

    mutating func advanceChunkSize(_ bytes: UnsafeRawBufferPointer) -> (Move, Int) {
        guard let lineEnd = Self.lineEnd(bytes, limit: Self.maxChunkLineBytes) else {
            return (.needMoreBytes, 0)
        }
        guard case .line(let length, let next) = lineEnd else {
            return (.reject(Self.refusal(lineEnd, tooLong: .badRequest("chunk-size line too long"))), 0)
        }
        let line = UnsafeRawBufferPointer(rebasing: bytes[..<length])
        var digits = 0
        var size = 0
        while digits < line.count, let value = hexValue(line[digits]) {
            // One more hex digit would overflow Int (leading zeros are allowed and cost nothing).
            guard size <= Int.max >> 4 else { return (.reject(.badRequest("chunk size overflows")), 0) }
            size = size << 4 | Int(value)
            digits += 1
        }
        guard digits > 0 else { return (.reject(.badRequest("invalid chunk size")), 0) }
        // chunk-ext (RFC 9112 §7.1.1): BWS ";" ...; skipped, but a control byte (a bare CR
        // among them) is refused.
        let rest = UnsafeRawBufferPointer(rebasing: line[digits...])
        let afterSpace = rest.firstIndex { $0 != ASCII.space && $0 != ASCII.tab } ?? rest.count
        guard afterSpace == rest.count || rest[afterSpace] == UInt8(ascii: ";"),
            rest.allSatisfy(ASCII.isFieldValueByte)
        else { return (.reject(.badRequest("invalid chunk extension")), 0) }
        guard size <= bodyLimit - body.count else { return (.reject(.contentTooLarge), 0) }
        state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
        return (.progress, next)
    }

    mutating func advanceChunkData(_ bytes: UnsafeRawBufferPointer, remaining: Int) -> (Move, Int) {
        let count = min(remaining, bytes.count)
        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<count]))
        state = remaining == count ? .chunkDataEnd : .chunkData(remaining: remaining - count)
        return (count == bytes.count ? .needMoreBytes : .progress, count)
    }

    /// The CRLF after a chunk's data; anything else means the size lied.
    mutating func advanceChunkDataEnd(_ bytes: UnsafeRawBufferPointer) -> (Move, Int) {
        guard bytes.count >= 2 else {
            return bytes.first.map { $0 == ASCII.cr } ?? true
                ? (.needMoreBytes, 0) : (.reject(.badRequest("chunk data longer than its size")), 0)
        }
        // SAFETY: count ≥ 2.
        guard bytes[0] == ASCII.cr, bytes[1] == ASCII.lf else {
            return (.reject(.badRequest("chunk data longer than its size")), 0)
        }
        state = .chunkSize
        return (.progress, 2)
    }

    /// Trailer fields (RFC 9112 §7.1.2) up to the empty line: checked like header fields so a
    /// bare CR or LF cannot hide a request in them, counted against the header limit, dropped.
    mutating func advanceTrailers(_ bytes: UnsafeRawBufferPointer, seen: Int) -> (Move, Int) {
        let limit = limits.maxHeaderBytes - seen
        guard let lineEnd = Self.lineEnd(bytes, limit: limit) else { return (.needMoreBytes, 0) }
        guard case .line(let length, let next) = lineEnd else {
            return (.reject(Self.refusal(lineEnd, tooLong: .headerFieldsTooLarge)), 0)
        }
        if length == 0 { return (.complete, next) }
        do throws(RequestError) {
            _ = try Self.splitField(UnsafeRawBufferPointer(rebasing: bytes[..<length]))
        } catch {
            return (.reject(error), 0)
        }
        state = .trailers(bytes: seen + next)
        return (.progress, next)
    }

    enum LineEnd {
        /// A line of `length` bytes before its CRLF; the next line starts at `next`.
        case line(length: Int, next: Int)
        case bareLF
        case tooLong
    }

    /// Finds the CRLF ending the first line of `bytes`, or nil if it has not arrived and the
    /// line is still within `limit` bytes. A line is too long as soon as its bytes before the LF
    /// pass the limit (the line may be followed by its CR, hence the + 1), whether or not the
    /// LF has arrived and whatever precedes it: the answer must not depend on the split.
    static func lineEnd(_ bytes: UnsafeRawBufferPointer, limit: Int) -> LineEnd? {
        // SAFETY: memchr reads only when count > 0, within [base, base + count).
        guard !bytes.isEmpty, let found = memchr(bytes.baseAddress!, Int32(ASCII.lf), bytes.count) else {
            return bytes.count > limit + 1 ? .tooLong : nil
        }
        let lf = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
        if lf > limit + 1 { return .tooLong }
        // SAFETY: lf ≥ 1 is checked before reading lf - 1.
        guard lf >= 1, bytes[lf - 1] == ASCII.cr else { return .bareLF }
        return .line(length: lf - 1, next: lf + 1)
    }

    private static func refusal(_ lineEnd: LineEnd, tooLong: RequestError) -> RequestError {
        if case .bareLF = lineEnd { return .badRequest("bare LF") }
        return tooLong
    }
}
