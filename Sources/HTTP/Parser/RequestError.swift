/// Why the parser refused a request. Each is answered with its status and a closed connection:
/// once framing is in doubt, no later byte on the connection can be trusted.
package enum RequestError: Error, Equatable, Sendable {
    /// Malformed syntax or a smuggling shape (RFC 9112 §2.2, §3, §5, §6, §7).
    case badRequest(String)
    /// The request line is longer than the limit (RFC 9112 §3: 414 for a long target).
    case requestLineTooLong
    /// The header section (or the trailer section) is larger than the limit (RFC 6585 §5).
    case headerFieldsTooLarge
    /// The body is larger than the limit (RFC 9110 §15.5.14).
    case contentTooLarge
    /// A version other than HTTP/1.0 or HTTP/1.1 (RFC 9110 §15.6.6).
    case versionNotSupported
    /// The bodies in flight hold the whole body budget: this one may come back later (RFC 9110
    /// §15.6.4).
    case bodyBudgetExhausted
    /// Every regular connection place is taken and this request may not use a reserved one.
    case connectionsExhausted

    package var status: HTTPStatus {
        switch self {
        case .badRequest: .badRequest
        case .requestLineTooLong: .uriTooLong
        case .headerFieldsTooLarge: .requestHeaderFieldsTooLarge
        case .contentTooLarge: .contentTooLarge
        case .versionNotSupported: .httpVersionNotSupported
        case .bodyBudgetExhausted, .connectionsExhausted: .serviceUnavailable
        }
    }

    /// The problem type each refusal is answered with.
    package var problemType: ProblemType {
        switch self {
        case .badRequest: .badRequest
        case .requestLineTooLong: .uriTooLong
        case .headerFieldsTooLarge: .headersTooLarge
        case .contentTooLarge: .tooLarge
        case .versionNotSupported: .httpVersion
        case .bodyBudgetExhausted, .connectionsExhausted: .overloaded
        }
    }

    package var detail: String {
        switch self {
        case .badRequest(let why): why
        case .requestLineTooLong: "request line longer than the limit"
        case .headerFieldsTooLarge: "header section larger than the limit"
        case .contentTooLarge: "body larger than the limit"
        case .versionNotSupported: "only HTTP/1.0 and HTTP/1.1 are served"
        case .bodyBudgetExhausted:
            "request bodies in flight hold all the memory bodies may take (--body-memory-bytes); retry later"
        case .connectionsExhausted:
            "every connection (--max-connections) is taken; the few past them are kept for the admin"
        }
    }

    /// Seconds a client should wait before sending the request again, where waiting helps.
    static let retryAfterSeconds = 1

    /// The problem+json answer to this refusal; a 503 says when to come back (`Retry-After`).
    package var response: Response {
        let headers =
            status == .serviceUnavailable
            ? HTTPHeaders([("Retry-After", "\(Self.retryAfterSeconds)")]) : HTTPHeaders()
        return ProblemResponse.make(problemType, status, detail: detail, headers: headers)
    }
}
