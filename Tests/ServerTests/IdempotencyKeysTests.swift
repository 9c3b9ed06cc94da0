import GuestMem
import HTTP
import TestSupport
import Testing

@testable import Server

/// The table of Idempotency-Key claims and kept answers: scoped per caller, bounded in count and
/// in time, and a key under way is told apart from one reused for another request.
@Suite(.timeLimit(.scaledMinutes(10)))
struct IdempotencyKeysTests {
    static let start = Timestamp(nanosecondsSinceEpoch: 1_796_543_795_000_000_000)
    static let answer = StoredAnswer(
        Response(status: .created, contentType: "application/json", bytes: [0x7b, 0x7d]))!
    static let tenant = Caller.tenant(TenantID("ten_0123456789abcdefghjkmnpqrs")!)

    @Test func aKeyUnderWayIsTakenOnlyOnceAndAnotherRequestWithItIsReused() {
        let keys = IdempotencyKeys()
        let key = IdempotencyKey(value: "k")

        let first = keys.claim(key, by: .admin, fingerprint: "a", now: Self.start)
        let same = keys.claim(key, by: .admin, fingerprint: "a", now: Self.start)
        let other = keys.claim(key, by: .admin, fingerprint: "b", now: Self.start)
        let otherCaller = keys.claim(key, by: Self.tenant, fingerprint: "a", now: Self.start)

        #expect(Self.isProceed(first))
        #expect(Self.isUnderWay(same))
        #expect(Self.isReused(other))
        #expect(Self.isProceed(otherCaller))
    }

    @Test func aFinishedAnswerIsReplayedUntilTheLifetimeEnds() throws {
        let keys = IdempotencyKeys()
        let key = IdempotencyKey(value: "k")
        guard case .proceed(let claim) = keys.claim(key, by: .admin, fingerprint: "a", now: Self.start) else {
            Issue.record("the first claim was refused")
            return
        }
        keys.finish(claim, remembering: Self.answer)
        let later =
            Self.start.nanosecondsSinceEpoch + IdempotencyKeys.lifetime.components.seconds * 1_000_000_000

        let inTime = keys.claim(
            key, by: .admin, fingerprint: "a", now: Timestamp(nanosecondsSinceEpoch: later - 1))
        let tooLate = keys.claim(
            key, by: .admin, fingerprint: "a", now: Timestamp(nanosecondsSinceEpoch: later + 1))

        guard case .replay(let replayed) = inTime else {
            Issue.record("not replayed within the lifetime: \(inTime)")
            return
        }
        #expect(replayed == Self.answer)
        #expect(Self.isProceed(tooLate))
    }

    @Test func aRefusedRequestLeavesNothingAndItsKeyIsFreeAgain() {
        let keys = IdempotencyKeys()
        let key = IdempotencyKey(value: "k")
        guard case .proceed(let claim) = keys.claim(key, by: .admin, fingerprint: "a", now: Self.start) else {
            Issue.record("the first claim was refused")
            return
        }

        keys.finish(claim)

        #expect(Self.isProceed(keys.claim(key, by: .admin, fingerprint: "b", now: Self.start)))
    }

    @Test func pastItsBoundACallerLosesItsOldestAnswerAndNoOtherCallers() {
        let keys = IdempotencyKeys()
        func keep(_ name: String, by caller: Caller, at offset: Int64) {
            let now = Timestamp(nanosecondsSinceEpoch: Self.start.nanosecondsSinceEpoch + offset)
            if case .proceed(let claim) = keys.claim(
                IdempotencyKey(value: name), by: caller, fingerprint: "f", now: now)
            {
                keys.finish(claim, remembering: Self.answer)
            }
        }
        keep("other", by: .admin, at: 0)
        for index in 0...IdempotencyKeys.perCaller {
            keep("k\(index)", by: Self.tenant, at: Int64(index) + 1)
        }
        let now = Timestamp(nanosecondsSinceEpoch: Self.start.nanosecondsSinceEpoch + 10_000)

        #expect(
            Self.isProceed(
                keys.claim(IdempotencyKey(value: "k0"), by: Self.tenant, fingerprint: "f", now: now)))
        #expect(
            Self.isReplay(
                keys.claim(IdempotencyKey(value: "k1"), by: Self.tenant, fingerprint: "f", now: now)))
        #expect(
            Self.isReplay(keys.claim(IdempotencyKey(value: "other"), by: .admin, fingerprint: "f", now: now)))
    }

    @Test func anAnswerWhoseObjectIsGoneIsForgottenAndItsKeyIsFree() {
        let keys = IdempotencyKeys()
        let key = IdempotencyKey(value: "k")
        let file = CreatedObject.file(.random())
        guard case .proceed(let claim) = keys.claim(key, by: Self.tenant, fingerprint: "a", now: Self.start)
        else {
            Issue.record("the first claim was refused")
            return
        }
        keys.finish(claim, remembering: Self.answer, of: file)

        let whileThere = keys.claim(key, by: Self.tenant, fingerprint: "a", now: Self.start) { $0 == file }
        let gone = keys.claim(key, by: Self.tenant, fingerprint: "b", now: Self.start) { _ in false }

        #expect(Self.isReplay(whileThere))
        #expect(Self.isProceed(gone))
    }

    @Test func receiptsARestartFoundAreReplayedToTheirTenantOnly() throws {
        let keys = IdempotencyKeys()
        let tenantID = TenantID("ten_0123456789abcdefghjkmnpqrs")!
        let receipt = CreationReceipt(
            key: "k", fingerprint: "a", answer: Self.answer.bytes, createdAt: Self.start)

        keys.remember([ObjectReceipt(.consumer(.random()), receipt)], of: tenantID)

        let replayed = keys.claim(
            IdempotencyKey(value: "k"), by: Self.tenant, fingerprint: "a", now: Self.start)
        guard case .replay(let answer) = replayed else {
            Issue.record("not replayed: \(replayed)")
            return
        }
        #expect(answer == Self.answer)
        #expect(
            Self.isReused(
                keys.claim(IdempotencyKey(value: "k"), by: Self.tenant, fingerprint: "b", now: Self.start)))
        #expect(
            Self.isProceed(
                keys.claim(IdempotencyKey(value: "k"), by: .admin, fingerprint: "a", now: Self.start)))
    }

    private static func isProceed(_ verdict: IdempotencyKeys.Verdict) -> Bool {
        if case .proceed = verdict { true } else { false }
    }
    private static func isUnderWay(_ verdict: IdempotencyKeys.Verdict) -> Bool {
        if case .underWay = verdict { true } else { false }
    }
    private static func isReused(_ verdict: IdempotencyKeys.Verdict) -> Bool {
        if case .reused = verdict { true } else { false }
    }
    private static func isReplay(_ verdict: IdempotencyKeys.Verdict) -> Bool {
        if case .replay = verdict { true } else { false }
    }
}
