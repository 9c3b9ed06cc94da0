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
extension ContentWrite: Versioned {}

extension Request {
    /// The versions `If-Match` accepts, or nil when the request sets none (or `*`, which any
    /// existing resource matches). The header is a list, and any strong match applies the
    /// request (RFC 9110 §13.1.1); weak and malformed tags never match, so a header holding only
    /// those is an empty set, which fails the precondition. It is the domain that compares,
    /// under the resource's lock and after its lookup: a missing resource is 404 whatever the
    /// header, and of two changes made with one tag only the first applies.
    func ifMatchVersions() -> Set<UInt64>? {
        guard let value = headers["If-Match"]?.trimmingWhitespace() else { return nil }
        if value == "*" { return nil }
        var versions = Set<UInt64>()
        for element in value.split(separator: ",") {
            let tag = element.trimmingWhitespace()
            guard tag.count >= 3, tag.first == "\"", tag.last == "\"",
                let version = UInt64(tag.dropFirst().dropLast())
            else { continue }
            versions.insert(version)
        }
        return versions
    }
}
