import GuestMem
import HTTP
import Synchronization

/// Idempotency-Key requests under way, and the answers to finished ones whose object keeps no
/// receipt of its own. Keys are scoped to their caller (the admin, or one tenant): the same key
/// from two callers is two keys, and no caller sees another's answers.
///
/// A key counts for `lifetime` after its request began. A tenant keeps its receipt in
/// tenants.json, in the write that creates it, so that it outlives gmemd; the answers kept here
/// go with gmemd, as what they created does (README), at most `perCaller` per caller and `total`
/// in all, the oldest forgotten first. Only answers that created something are kept: a refused
/// request changed nothing, and its retry is judged afresh.
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
    }

    private struct State {
        var underWay: [Scoped: String] = [:]
        var answers: [Scoped: Remembered] = [:]
        var counts: [Caller: Int] = [:]
    }

    private let state = Mutex(State())

    /// The earliest start of a request whose key still counts at `now`.
    static func cutoff(at now: Timestamp) -> Timestamp {
        let (seconds, attoseconds) = lifetime.components
        return Timestamp(
            nanosecondsSinceEpoch: now.nanosecondsSinceEpoch - seconds * 1_000_000_000
                - attoseconds / 1_000_000_000)
    }

    /// Claims `key` for a request with `fingerprint`, unless it is under way or answered.
    func claim(_ key: IdempotencyKey, by caller: Caller, fingerprint: String, now: Timestamp = .now())
        -> Verdict
    {
        let scoped = Scoped(caller: caller, key: key)
        return state.withLock { state in
            if let claimed = state.underWay[scoped] { return claimed == fingerprint ? .underWay : .reused }
            if let kept = state.answers[scoped], kept.at > Self.cutoff(at: now) {
                return kept.fingerprint == fingerprint ? .replay(kept.answer) : .reused
            }
            state.underWay[scoped] = fingerprint
            return .proceed(IdempotencyClaim(scoped: scoped, fingerprint: fingerprint, startedAt: now))
        }
    }

    /// Ends `claim`: its key is free again, and `answer`, when given, is what a retry gets.
    func finish(_ claim: IdempotencyClaim, remembering answer: StoredAnswer? = nil) {
        state.withLock { state in
            state.underWay[claim.scoped] = nil
            guard let answer else { return }
            let scoped = claim.scoped
            if state.answers.updateValue(
                Remembered(fingerprint: claim.fingerprint, answer: answer, at: claim.startedAt),
                forKey: scoped)
                == nil
            {
                state.counts[scoped.caller, default: 0] += 1
            }
            if state.counts[scoped.caller, default: 0] > Self.perCaller {
                Self.forgetOldest(in: &state) { $0.caller == scoped.caller }
            }
            if state.answers.count > Self.total { Self.forgetOldest(in: &state) { _ in true } }
        }
    }

    /// Drops the oldest answer among those `matching` picks. A scan: it runs only past a bound,
    /// over at most `total` entries.
    private static func forgetOldest(in state: inout State, matching: (Scoped) -> Bool) {
        var found: (scoped: Scoped, at: Timestamp)?
        for (scoped, kept) in state.answers where matching(scoped) && found.map({ kept.at < $0.at }) ?? true {
            found = (scoped, kept.at)
        }
        guard let oldest = found?.scoped else { return }
        state.answers[oldest] = nil
        state.counts[oldest.caller, default: 1] -= 1
        if state.counts[oldest.caller] == 0 { state.counts[oldest.caller] = nil }
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
