import Foundation

/// Takes one HTTP/1.1 response off the front of bytes read from a socket (RFC 9112 §6.3 framing),
/// leaving whatever follows it for the next call.
package enum ResponseParser {
    /// The first final response in `buffer`, removing it and any 1xx before it (or the 1xx itself,
    /// when `keepingInterim`); nil when more bytes are needed. `atEnd` says the peer has closed,
    /// which ends a body that has no length.
    package static func take(
        from buffer: inout [UInt8], toHEAD: Bool, atEnd: Bool, keepingInterim: Bool = false
    ) throws -> HTTPReply? {
        while true {
            guard let headEnd = find([13, 10, 13, 10], in: buffer, from: 0) else { return nil }
            var reply = try parseHead(buffer[..<headEnd])
            let bodyStart = headEnd + 4
            if (100..<200).contains(reply.status) {
                buffer.removeSubrange(..<bodyStart)
                if keepingInterim { return reply }
                continue
            }
            let consumed: Int
            if toHEAD || reply.status == 204 || reply.status == 304 {
                consumed = bodyStart
            } else if reply.header("Transfer-Encoding")?.lowercased() == "chunked" {
                guard let (body, end) = try dechunk(buffer, from: bodyStart) else { return nil }
                reply.body = body
                consumed = end
            } else if let length = reply.header("Content-Length") {
                guard let count = Int(length), count >= 0 else {
                    throw EndToEndError.malformedResponse("Content-Length: \(length)")
                }
                guard buffer.count - bodyStart >= count else { return nil }
                reply.body = Data(buffer[bodyStart..<bodyStart + count])
                consumed = bodyStart + count
            } else {
                guard atEnd else { return nil }
                reply.body = Data(buffer[bodyStart...])
                consumed = buffer.count
            }
            buffer.removeSubrange(..<consumed)
            return reply
        }
    }

    private static func parseHead(_ head: ArraySlice<UInt8>) throws -> HTTPReply {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1])
        else {
            throw EndToEndError.malformedResponse("status line \(lines[0].debugDescription)")
        }
        let fields = try lines.dropFirst().map { line in
            guard let colon = line.firstIndex(of: ":") else {
                throw EndToEndError.malformedResponse("header line \(line.debugDescription)")
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return HTTPReply.Field(name: String(line[..<colon]), value: value)
        }
        return HTTPReply(status: status, fields: fields, body: Data())
    }

    /// The de-chunked body and the index just past the last chunk's trailers, or nil if incomplete.
    private static func dechunk(_ buffer: [UInt8], from start: Int) throws -> (Data, Int)? {
        var body = Data()
        var position = start
        while true {
            guard let lineEnd = find([13, 10], in: buffer, from: position) else { return nil }
            let sizeText = String(decoding: buffer[position..<lineEnd], as: UTF8.self)
            guard let size = Int(sizeText.prefix { $0 != ";" }, radix: 16) else {
                throw EndToEndError.malformedResponse("chunk size \(sizeText.debugDescription)")
            }
            position = lineEnd + 2
            if size == 0 {
                // Trailers, if any, end with an empty line.
                guard let trailersEnd = find([13, 10], in: buffer, from: position) else { return nil }
                if trailersEnd == position { return (body, position + 2) }
                guard let end = find([13, 10, 13, 10], in: buffer, from: position) else { return nil }
                return (body, end + 4)
            }
            guard buffer.count >= position + size + 2 else { return nil }
            body.append(contentsOf: buffer[position..<position + size])
            position += size + 2
        }
    }

    package static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = start
        while index + needle.count <= haystack.count {
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
