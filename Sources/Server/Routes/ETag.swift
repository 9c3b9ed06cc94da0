import GuestMem
import HTTP

/// A resource whose ETag is its version: a counter that every change to it moves on (a file,
/// a tenant).
protocol Versioned {
    var version: UInt64 { get }
}

extension Versioned {
    var etag: String { "\"\(version)\"" }

    var etagHeaders: HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add("ETag", etag)
        return headers
    }
}

extension FileSnapshot: Versioned {}
extension TenantRecord: Versioned {}

extension Request {
    /// The version `If-Match` demands, or nil when the request sets none (or `*`, which any
    /// existing resource matches). Weak tags never match (RFC 9110 §13.1.1: If-Match compares
    /// strongly), so a weak or malformed tag can only fail the precondition.
    func expectedVersion() throws(Problem) -> UInt64? {
        guard let value = headers["If-Match"]?.trimmingCharacters(in: [" ", "\t"]) else { return nil }
        if value == "*" { return nil }
        guard value.count >= 3, value.first == "\"", value.last == "\"",
            let version = UInt64(value.dropFirst().dropLast())
        else { throw Problem(.precondition, detail: "If-Match does not match the resource's ETag") }
        return version
    }
}
