import GuestMem
import HTTP

extension Routes {
    /// Carries out `create`, the work of a POST that creates something, at most once per
    /// Idempotency-Key of `caller`; without a key it simply runs. With one: a retry of a request
    /// that created something gets that answer again, marked `Idempotent-Replayed: true`; the key
    /// sent with another method, target or body is 422, and while its first request is under way
    /// 409. `create` gets the claim to build the object's receipt from, when `receipts` finds
    /// those kept with the objects (a tenant's, in tenants.json); otherwise the answer is kept in
    /// memory (IdempotencyKeys).
    func creatingOnce(
        _ request: Request, by caller: Caller,
        receipts: ((_ key: String, _ madeAfter: Timestamp) -> CreationReceipt?)? = nil,
        _ create: (IdempotencyClaim?) throws(Problem) -> Response
    ) throws(Problem) -> Response {
        guard let key = try IdempotencyKey.of(request) else { return try create(nil) }
        let fingerprint = request.fingerprint
        let claim: IdempotencyClaim
        switch idempotencyKeys.claim(key, by: caller, fingerprint: fingerprint) {
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
        let response: Response
        do {
            response = try create(claim)
        } catch {
            idempotencyKeys.finish(claim)
            throw error
        }
        let created = (200..<300).contains(response.status.code)
        idempotencyKeys.finish(claim, remembering: receipts == nil && created ? StoredAnswer(response) : nil)
        return response
    }

    private static let keyReused = Problem(
        .keyReused, detail: "this Idempotency-Key was sent with another request (method, path or body)")

    /// A tenant's creating route (a file, a consumer, a pin, a VM) carried out at most once per
    /// Idempotency-Key of that tenant, its answers kept in memory: none of these objects keeps a
    /// receipt of its own yet, so their keys do not outlive gmemd (README).
    func creatingOnce(
        _ create: @escaping @Sendable (Request, TenantID) throws(Problem) -> Response
    ) -> @Sendable (Request, TenantID) throws(Problem) -> Response {
        { request, tenant throws(Problem) in
            try creatingOnce(request, by: .tenant(tenant)) { _ throws(Problem) in try create(request, tenant)
            }
        }
    }
}
