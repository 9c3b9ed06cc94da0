import HTTP

/// A value a hot response writes with `JSONWriter` instead of JSONEncoder. It stays `Encodable`:
/// JSONWriterTests encodes each one both ways and compares the bytes, so a field added to a
/// view but not to its `write(to:)` fails a test instead of vanishing from the wire.
protocol JSONWritable: Encodable {
    /// Writes this value; an object writes its members sorted by key, as JSONEncoder's
    /// `.sortedKeys` orders them.
    func write(to json: inout JSONWriter)
}

extension String: JSONWritable {
    func write(to json: inout JSONWriter) { json.string(self) }
}

extension Bool: JSONWritable {
    func write(to json: inout JSONWriter) { json.bool(self) }
}

extension Int: JSONWritable {
    func write(to json: inout JSONWriter) { json.integer(Int64(self)) }
}

extension Int64: JSONWritable {
    func write(to json: inout JSONWriter) { json.integer(self) }
}

extension UInt64: JSONWritable {
    func write(to json: inout JSONWriter) { json.integer(self) }
}

extension UInt32: JSONWritable {
    func write(to json: inout JSONWriter) { json.integer(UInt64(self)) }
}

extension Array: JSONWritable where Element: JSONWritable {
    func write(to json: inout JSONWriter) { json.array(self) }
}

extension Response {
    /// `value` as an application/json body, written by `JSONWriter`. Chosen over the Encodable
    /// `json` for every `JSONWritable`, as the more specific of the two.
    static func json(
        _ value: some JSONWritable, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()
    )
        -> Response
    {
        var response = Response(status: status, headers: headers, body: .bytes(JSONWriter.encode(value)))
        response.headers.add("Content-Type", "application/json")
        return response
    }
}
