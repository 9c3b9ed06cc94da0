import GuestMem
import HTTP

extension Routes {
    /// Carries out `create`, the work of a POST that creates something, at most once per
    /// Idempotency-Key of `caller`; without a key it simply runs. With one: a retry of a request
    /// that created something gets that answer again, marked `Idempotent-Replayed: true`; the key
    /// sent with another method, target or body is 422, and while its first request is under way
    /// 409. `create` gets the claim to build the object's receipt from, which the object keeps
    /// (a tenant in tenants.json, found by `receipts`; a memfd file, consumer or pin in the file
    /// journal). The answer of a `Creation` that names an object is also kept in memory
    /// (IdempotencyKeys), and replayed while `exists` finds that object.
    func creatingOnce(
        _ request: Request, by caller: Caller,
        receipts: ((_ key: String, _ madeAfter: Timestamp) -> CreationReceipt?)? = nil,
        exists: (CreatedObject) -> Bool = { _ in true },
        _ create: (IdempotencyClaim?) throws(Problem) -> Creation
    ) throws(Problem) -> Response {
        guard let key = try IdempotencyKey.of(request) else { return try create(nil).response }
        let fingerprint = request.fingerprint
        let claim: IdempotencyClaim
        switch idempotencyKeys.claim(key, by: caller, fingerprint: fingerprint, exists: exists) {
        case .proceed(let claimed): claim = claimed
        case .replay(let answer): return answer.replay
        case .underWay:
            throw Problem(
                .keyUnderWay, detail: "the first request with this Idempotency-Key is still under way")
        case .reused: throw Self.keyReused
        }
        // Looked for only once the key is claimed: a request that held it has finished, so what
        // it created, receipt included, is already saved.
        if let receipts, let receipt = receipts(key.value, IdempotencyKeys.cutoff(at: claim.startedAt)) {
            idempotencyKeys.finish(claim)
            guard receipt.fingerprint == fingerprint else { throw Self.keyReused }
            do {
                return try StoredAnswer(bytes: receipt.answer).replay
            } catch {
                throw Problem(
                    .internalError,
                    detail: "the answer kept for this Idempotency-Key cannot be read: \(error)")
            }
        }
        let creation: Creation
        do {
            creation = try create(claim)
        } catch {
            idempotencyKeys.finish(claim)
            throw error
        }
        let response = creation.response
        guard let object = creation.object, (200..<300).contains(response.status.code) else {
            idempotencyKeys.finish(claim)
            return response
        }
        idempotencyKeys.finish(claim, remembering: StoredAnswer(response), of: object)
        return response
    }

    private static let keyReused = Problem(
        .keyReused, detail: "this Idempotency-Key was sent with another request (method, path or body)")

    /// A tenant's creating route (a file, a consumer, a pin, a VM) carried out at most once per
    /// Idempotency-Key of that tenant while what it made exists. `create` gets the claim to
    /// build the receipt that a memfd file, a consumer or a pin keeps in the file journal, so
    /// that their keys outlive gmemd; a VM's and a guest_memfd file's keys end with gmemd, as
    /// those objects do (README).
    func creatingOnce(
        _ create: @escaping @Sendable (Request, TenantID, IdempotencyClaim?) throws(Problem) -> Creation
    ) -> @Sendable (Request, TenantID) throws(Problem) -> Response {
        { request, tenant throws(Problem) in
            try creatingOnce(request, by: .tenant(tenant), exists: { memory.holds($0, of: tenant) }) {
                claim throws(Problem) in try create(request, tenant, claim)
            }
        }
    }
}

/// What a creating route made: its answer, and the object that answer names, whose existence
/// decides how long a retry gets the answer again; nil for a tenant, which keeps its receipt.
struct Creation {
    var response: Response
    var object: CreatedObject?

    init(_ response: Response, _ object: CreatedObject?) { (self.response, self.object) = (response, object) }
}

extension IdempotencyClaim? {
    /// How GuestMem makes the receipt of what a creating call made: `answer` is the route's
    /// answer for it. nil without a key.
    func receipt<Made>(_ answer: @escaping (Made) -> Response) -> ((Made) -> CreationReceipt?)? {
        map { claim in { claim.receipt(of: answer($0)) } }
    }
}
