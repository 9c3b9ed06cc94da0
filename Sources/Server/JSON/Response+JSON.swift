import HTTP

extension Response {
    /// `value` as an application/json body.
    static func json<T: Encodable>(_ value: T, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders())
        -> Response
    {
        var response = Response(status: status, headers: headers, body: .bytes(JSONCoding.encode(value)))
        response.headers.add("Content-Type", "application/json")
        return response
    }
}
