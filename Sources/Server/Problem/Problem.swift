import HTTP

/// An RFC 9457 problem: every error gmemd answers is one of these, as application/problem+json.
struct Problem: Error, Encodable, Sendable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    /// The kernel errno the refusal maps to (`EPERM`, `EBUSY`, …), where one applies.
    let errno: String?

    /// A refusal of `kind`, which alone decides the status and the type (ProblemKind).
    init(_ kind: ProblemKind, detail: String, errno: String? = nil) {
        let status = kind.status
        self.type = kind.type.uri
        self.title = status.reason
        self.status = status.code
        self.detail = detail
        self.errno = errno
        self.httpStatus = status
    }

    private let httpStatus: HTTPStatus
    private enum CodingKeys: String, CodingKey { case type, title, status, detail, errno }

    var response: Response {
        Response(status: httpStatus, contentType: "application/problem+json", bytes: JSONWriter.encode(self))
    }
}

extension Problem {
    static func badRequest(_ detail: String) -> Problem { Problem(.badRequest, detail: detail) }
    static func unprocessable(_ detail: String, errno: String? = "EINVAL") -> Problem {
        Problem(.invalid, detail: detail, errno: errno)
    }
    static let unauthorized = Problem(.unauthorized, detail: "a valid bearer token is required")
    static let forbidden = Problem(.forbidden, detail: "this route is for the admin token only")
    static func notFound(_ what: String) -> Problem { Problem(.notFound, detail: "\(what) not found") }
    /// A resource the request body names that the caller does not have: 422, as 404 is for the
    /// URL's own resource.
    static func unknownReference(_ what: String) -> Problem {
        Problem(.unknownReference, detail: "\(what) named in the body not found")
    }
}
