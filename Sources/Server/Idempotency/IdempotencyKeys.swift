import GuestMem
import HTTP
import Locking

/// Idempotency-Key requests under way, and the answers to finished ones of a tenant's creating
/// routes. Keys are scoped to their caller (the admin, or one tenant): the same key from two
/// callers is two keys, and no caller sees another's answers.
///
/// A key counts for `lifetime` after its request began, and only while the object its request
/// created exists: the answer would name something that is gone, so the key is forgotten and a
/// retry is a new request. A tenant keeps its receipt in tenants.json, in the write that creates
/// it. A memfd file, its consumers and pins keep theirs in the file journal, in the line that
/// first shows them, and a restart gives them back here (`remember`); a VM's and a guest_memfd
/// file's go with gmemd, as those objects do (README). At most `perCaller` answers per caller and
/// `total` in all are kept, the oldest forgotten first. Only answers that created something are
/// kept: a refused request changed nothing, and its retry is judged afresh.
///
/// Locking: one Mutex, held for dictionary work only, never across a route's work. A request
/// claims its key before it starts; a second request with the key meanwhile is told so (409).
final class IdempotencyKeys: Sendable {
    static let lifetime = Duration.seconds(24 * 3600)
    static let perCaller = 256
    static let total = 16_384

    /// A key of one caller.
    struct Scoped: Hashable, Sendable {
        let caller: Caller
        let key: IdempotencyKey
    }

    /// What to do with a request that sends a key.
    enum Verdict {
        /// Nothing is known of the key: carry the request out, then `finish` the claim.
        case proceed(IdempotencyClaim)
        /// The key's request finished with this answer: send it again.
        case replay(StoredAnswer)
        /// The key's first request is still under way.
        case underWay
        /// The key was sent with another request (method, target or body).
        case reused
    }

    private struct Remembered {
        let fingerprint: String
        let answer: StoredAnswer
        let at: Timestamp
        /// What the answer names; nil for a tenant's, kept with the tenant and not here.
        let object: CreatedObject?
    }

    private struct State {
        var underWay: [Scoped: String] = [:]
        var answers: [Scoped: Remembered] = [:]
        var counts: [Caller: Int] = [:]
    }

    private let state = PthreadMutex(State())

    /// The earliest start of a request whose key still counts at `now`.
    static func cutoff(at now: Timestamp) -> Timestamp {
        let (seconds, attoseconds) = lifetime.components
        return Timestamp(
            nanosecondsSinceEpoch: now.nanosecondsSinceEpoch - seconds * 1_000_000_000
                - attoseconds / 1_000_000_000)
    }

    /// Claims `key` for a request with `fingerprint`, unless it is under way or answered. An
    /// answer whose object `exists` no longer finds is forgotten first.
    func claim(
        _ key: IdempotencyKey, by caller: Caller, fingerprint: String, now: Timestamp = .now(),
        exists: (CreatedObject) -> Bool = { _ in true }
    ) -> Verdict {
        let scoped = Scoped(caller: caller, key: key)
        return state.withLock { state in
            if let claimed = state.underWay[scoped] { return claimed == fingerprint ? .underWay : .reused }
            if let kept = state.answers[scoped], kept.at > Self.cutoff(at: now) {
                if kept.object.map(exists) ?? true {
                    return kept.fingerprint == fingerprint ? .replay(kept.answer) : .reused
                }
                Self.forget(scoped, in: &state)
            }
            state.underWay[scoped] = fingerprint
            return .proceed(IdempotencyClaim(scoped: scoped, fingerprint: fingerprint, startedAt: now))
        }
    }

    /// Ends `claim`: its key is free again, and `answer`, when given, is what a retry gets while
    /// `object`, which it names, exists.
    func finish(
        _ claim: IdempotencyClaim, remembering answer: StoredAnswer? = nil, of object: CreatedObject? = nil
    ) {
        state.withLock { state in
            state.underWay[claim.scoped] = nil
            guard let answer else { return }
            Self.keep(
                Remembered(
                    fingerprint: claim.fingerprint, answer: answer, at: claim.startedAt, object: object),
                for: claim.scoped, in: &state)
        }
    }

    /// Keeps the receipts a restart found in the file journal for `tenant`'s objects; one whose
    /// answer cannot be read is left out (its retry makes anew what it names, which is gone).
    func remember(_ receipts: [ObjectReceipt], of tenant: TenantID) {
        state.withLock { state in
            for kept in receipts {
                guard let answer = try? StoredAnswer(bytes: kept.receipt.answer) else { continue }
                Self.keep(
                    Remembered(
                        fingerprint: kept.receipt.fingerprint, answer: answer, at: kept.receipt.createdAt,
                        object: kept.object),
                    for: Scoped(caller: .tenant(tenant), key: IdempotencyKey(value: kept.receipt.key)),
                    in: &state)
            }
        }
    }

    /// Keeps `remembered` for `scoped`, within `perCaller` and `total`.
    private static func keep(_ remembered: Remembered, for scoped: Scoped, in state: inout State) {
        if state.answers.updateValue(remembered, forKey: scoped) == nil {
            state.counts[scoped.caller, default: 0] += 1
        }
        if state.counts[scoped.caller, default: 0] > perCaller {
            forgetOldest(in: &state) { $0.caller == scoped.caller }
        }
        if state.answers.count > total { forgetOldest(in: &state) { _ in true } }
    }

    /// Drops the oldest answer among those `matching` picks. A scan: it runs only past a bound,
    /// over at most `total` entries.
    private static func forgetOldest(in state: inout State, matching: (Scoped) -> Bool) {
        var found: (scoped: Scoped, at: Timestamp)?
        for (scoped, kept) in state.answers where matching(scoped) && found.map({ kept.at < $0.at }) ?? true {
            found = (scoped, kept.at)
        }
        guard let oldest = found?.scoped else { return }
        forget(oldest, in: &state)
    }

    private static func forget(_ scoped: Scoped, in state: inout State) {
        guard state.answers.removeValue(forKey: scoped) != nil else { return }
        state.counts[scoped.caller, default: 1] -= 1
        if state.counts[scoped.caller] == 0 { state.counts[scoped.caller] = nil }
    }
}

/// A key claimed for one request: while it is held, another request with the key is 409.
struct IdempotencyClaim: Sendable {
    let scoped: IdempotencyKeys.Scoped
    let fingerprint: String
    let startedAt: Timestamp

    /// What the created object keeps so that a retry gets `response` again.
    func receipt(of response: Response) -> CreationReceipt? {
        StoredAnswer(response).map {
            CreationReceipt(
                key: scoped.key.value, fingerprint: fingerprint, answer: $0.bytes, createdAt: startedAt)
        }
    }
}
