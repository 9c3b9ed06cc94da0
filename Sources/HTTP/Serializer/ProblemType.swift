/// A problem's `type` (RFC 9457 §3.1.1): which kind of refusal it is, for a client to branch on
/// instead of reading `detail`. Every type is `urn:gmemd:problem:` and a name, stable once
/// published (openapi.yaml lists them all). This module names the refusals the HTTP layer makes
/// itself; the server names its own kinds the same way.
package struct ProblemType: Hashable, Sendable {
    package let uri: String

    package init(_ name: String) { uri = "urn:gmemd:problem:" + name }

    /// Malformed HTTP: framing, syntax, a smuggling shape (400).
    package static let badRequest = ProblemType("bad-request")
    /// No resource at this path (404).
    package static let notFound = ProblemType("not-found")
    /// The path is served, not with this method (405).
    package static let methodNotAllowed = ProblemType("method-not-allowed")
    /// The request did not arrive within the header or body timeout (408).
    package static let timeout = ProblemType("timeout")
    /// The body, or its gzip-inflated form, is larger than the limit (413).
    package static let tooLarge = ProblemType("too-large")
    /// The request line is longer than the limit (414).
    package static let uriTooLong = ProblemType("uri-too-long")
    /// A Content-Type or Content-Encoding that is not served (415).
    package static let unsupportedMediaType = ProblemType("unsupported-media-type")
    /// The header section is larger than the limit (431).
    package static let headersTooLarge = ProblemType("headers-too-large")
    /// An HTTP version other than 1.0 or 1.1 (505).
    package static let httpVersion = ProblemType("http-version")
    /// The server is at one of its budgets (bodies in flight, connections); retry after the
    /// `Retry-After` seconds (503).
    package static let overloaded = ProblemType("overloaded")
    /// The server failed; not the client's doing (500).
    package static let internalError = ProblemType("internal")
}
