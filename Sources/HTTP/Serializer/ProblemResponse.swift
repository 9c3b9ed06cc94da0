/// The errors the server itself answers, as `application/problem+json` (RFC 9457):
/// `{"type":…,"title":…,"status":…,"detail":…}`.
package enum ProblemResponse {
    package static func make(
        _ type: ProblemType, _ status: HTTPStatus, detail: String, headers: HTTPHeaders = HTTPHeaders()
    ) -> Response {
        var json = #"{"type":"#
        appendJSONString(type.uri, to: &json)
        json += #","title":"#
        appendJSONString(status.reason, to: &json)
        json += #","status":\#(status.code),"detail":"#
        appendJSONString(detail, to: &json)
        json += "}"
        var response = Response(
            status: status, contentType: "application/problem+json", bytes: Array(json.utf8))
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }

    /// A JSON string literal (RFC 8259 §7): quote, backslash and controls escaped.
    private static func appendJSONString(_ text: String, to json: inout String) {
        json += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": json += "\\\""
            case "\\": json += "\\\\"
            case "\u{0}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: json.unicodeScalars.append(scalar)
            }
        }
        json += "\""
    }
}
