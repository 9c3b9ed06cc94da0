/// Raw request texts the socket tests write. Every request names a Host, as HTTP/1.1 requires
/// (RFC 9112 §3.2), so that only the defect a test means is in it.
enum Requests {
    static func get(_ path: String = "/v1/health") -> String {
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    }

    static func head(_ path: String = "/v1/health") -> String {
        "HEAD \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    }

    static func delete(_ path: String = "/v1/health") -> String {
        "DELETE \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    }

    /// A request head with `fields` (each a full line without CRLF) and `body` after it.
    static func post(_ path: String = "/v1/health", fields: [String], body: String = "") -> String {
        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields.map { $0 + "\r\n" }.joined() + "\r\n" + body
    }
}
