import HTTP

/// Every kind of refusal gmemd answers, each with its one status and problem type: design.md §3
/// as a table. A refusal names its kind; only this table turns it into a status and a type.
/// Quota is 403, as Kubernetes answers a namespace's quota: the caller may not have more, and
/// retrying unchanged will not help; 507 is kept for the host itself running out.
enum ProblemKind: Sendable {
    case badRequest, unauthorized, forbidden, quota, notFound, notAcceptable
    case seal, busy, conflict, gone, precondition, tooLarge, unsupportedMediaType, range
    case invalid, unknownReference, hostUnsupported, hostExhausted, internalError
    /// The Idempotency-Key draft's two refusals: the key's first request is still under way
    /// (409), or the key came with another request (422).
    case keyUnderWay, keyReused

    var status: HTTPStatus {
        switch self {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden, .quota: .forbidden
        case .notFound: .notFound
        case .notAcceptable: .notAcceptable
        case .seal, .busy, .conflict, .keyUnderWay: .conflict
        case .gone: .gone
        case .precondition: .preconditionFailed
        case .tooLarge: .contentTooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .range: .rangeNotSatisfiable
        case .invalid, .unknownReference, .hostUnsupported, .keyReused: .unprocessableContent
        case .hostExhausted: .insufficientStorage
        case .internalError: .internalServerError
        }
    }

    var type: ProblemType {
        switch self {
        case .badRequest: .badRequest
        case .unauthorized: ProblemType("unauthorized")
        case .forbidden: ProblemType("forbidden")
        case .quota: ProblemType("quota")
        case .notFound: .notFound
        case .notAcceptable: ProblemType("not-acceptable")
        case .seal: ProblemType("seal")
        case .busy: ProblemType("busy")
        case .conflict: ProblemType("conflict")
        case .gone: ProblemType("gone")
        case .precondition: ProblemType("precondition")
        case .tooLarge: .tooLarge
        case .unsupportedMediaType: .unsupportedMediaType
        case .range: ProblemType("range")
        case .invalid: ProblemType("invalid")
        case .unknownReference: ProblemType("unknown-reference")
        case .hostUnsupported: ProblemType("host-unsupported")
        case .hostExhausted: ProblemType("host-exhausted")
        case .internalError: .internalError
        case .keyUnderWay: ProblemType("idempotency-key-in-use")
        case .keyReused: ProblemType("idempotency-key-reused")
        }
    }
}
