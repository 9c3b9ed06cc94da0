import Synchronization

/// A subsystem attached to a memory file: hears about its range (events), holds pages (pins).
///
/// Locking: `state` guards the backlog, the waiting readers and the pins. It is a small lock,
/// held for a few assignments and never across a syscall or an `await`. The file's state lock
/// comes first (LockOrder.swift): every change the file makes (an event, a pin, a revocation, the
/// detach) takes it and then, briefly, this one, and the file's operation lock around both keeps
/// events in the order of the kernel operations that caused them. Readers (long-poll, SSE,
/// listings) take this lock alone. Never this lock and then the file's, and never two consumers'
/// locks at once. Continuations are resumed after this lock is let go.
final class Consumer: Sendable {
    /// Live pins one consumer may hold: bounds the service's memory where locked-byte accounting
    /// does not (a pin of an inaccessible file adds no locked bytes).
    static let maxLivePins = 4096
    /// Revoked and released pins kept so that unpinning one answers gone rather than not found.
    static let keptGonePins = 256

    let id: ConsumerID
    let tenant: TenantID
    let file: ManagedFile
    let kind: ConsumerKind
    let label: String?
    let range: ByteRange
    let isOpenEnded: Bool
    let isExclusive: Bool
    /// A kvm consumer's memslot, for as long as it is attached (HeldVM deletes it on detach).
    let binding: KVMBinding?
    /// What its memslot costs the kernel, booked as its tenant's locked memory from the attach
    /// to the detach; 0 without one.
    var memslotMetadataBytes: Int64 { binding?.memslot.metadataBytes ?? 0 }
    /// A process consumer's descriptor access; nil for every other kind.
    let access: DescriptorAccess?
    let attachedAt: Timestamp
    let state: RankedMutex<State>
    /// Set once, under `state`, when the `detached` event is recorded; read without any lock by
    /// the store, which must not take this lock under its own.
    private let detachedFlag = Atomic<Bool>(false)

    struct State {
        var ring: EventRing
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
        /// Live pins, oldest first.
        var pins: [PinSnapshot] = []
        /// Revoked and released pins, newest last, at most `keptGonePins`.
        var gonePins: [PinSnapshot] = []
        var detachedAt: Timestamp?
        /// Descriptors handed to a process consumer so far.
        var descriptorsHandedOut = 0
        /// The highest seq readers may see: what the file journal holds as this consumer's lease
        /// (Consumer+Lease), `.max` for a consumer no journal keeps.
        var seqLease: UInt64
        /// Events past `seqLease` wait for the file's next journal line, which renews it.
        var awaitsLease = false

        /// The newest seq a reader may see now.
        var shownSeq: UInt64 { min(ring.lastSeq, seqLease) }
        /// Whether readers see the `detached` event, the last one.
        var showsDetached: Bool { detachedAt != nil && ring.lastSeq <= seqLease }

        /// Appends an event; true when it is the first past the lease, so that the file renews the
        /// lease in its next journal line before any reader sees the event.
        mutating func append(_ kind: ConsumerEvent.Kind, at time: Timestamp) -> Bool {
            ring.append(kind, at: time)
            guard ring.lastSeq > seqLease, !awaitsLease else { return false }
            awaitsLease = true
            return true
        }
    }

    /// A reader waiting for an event. `pending` until it has parked its continuation; a timeout
    /// or cancellation that comes first marks it `expired`, so it does not park at all.
    enum Waiter {
        case pending
        case waiting(CheckedContinuation<Void, Never>)
        case expired
    }

    init(
        id: ConsumerID, tenant: TenantID, file: ManagedFile, kind: ConsumerKind, label: String?,
        range: ByteRange, isOpenEnded: Bool, isExclusive: Bool, binding: KVMBinding? = nil,
        access: DescriptorAccess? = nil, backlog: Int, isJournaled: Bool
    ) {
        (self.id, self.tenant, self.file, self.kind, self.label) = (id, tenant, file, kind, label)
        (self.range, self.isOpenEnded, self.isExclusive) = (range, isOpenEnded, isExclusive)
        (self.binding, self.access) = (binding, access)
        attachedAt = .now()
        state = RankedMutex(
            .consumer, State(ring: EventRing(capacity: backlog), seqLease: isJournaled ? 0 : .max))
    }

    /// The consumer `record` describes, of `file`, taken back after gmemd restarted: its
    /// sequence goes on after the journaled lease, past every seq a reader can have seen (the
    /// events themselves are gone: a reader behind gets an overflow), with its live pins and its
    /// count of descriptors handed out.
    init(
        restoring record: ConsumerRecord, tenant: TenantID, file: ManagedFile, backlog: Int, isJournaled: Bool
    ) {
        (id, self.tenant, self.file, kind, label) = (record.id, tenant, file, record.kind, record.label)
        (range, isOpenEnded, isExclusive) = (record.range, record.isOpenEnded, record.isExclusive)
        (binding, access, attachedAt) = (nil, record.access, record.attachedAt)
        var state = State(
            ring: EventRing(capacity: backlog, continuingAfter: record.seqLease, lostAt: .now()),
            seqLease: isJournaled ? record.seqLease : .max)
        state.pins = record.pins
        state.descriptorsHandedOut = record.descriptorsHandedOut
        self.state = RankedMutex(.consumer, state)
    }

    /// What the journal keeps of this consumer now. Called under the file's state lock.
    func record() -> ConsumerRecord {
        state.withLock { state in
            ConsumerRecord(
                id: id, kind: kind, label: label, range: range, isOpenEnded: isOpenEnded,
                isExclusive: isExclusive, access: access, descriptorsHandedOut: state.descriptorsHandedOut,
                attachedAt: attachedAt, seqLease: state.seqLease, pins: state.pins,
                wasBound: binding != nil)
        }
    }

    var isDetached: Bool { detachedFlag.load(ordering: .acquiring) }

    /// The consumer as it is now.
    func snapshot() -> ConsumerSnapshot {
        state.withLock { state in
            ConsumerSnapshot(
                id: id, fileID: file.id, kind: kind, label: label, range: range, isOpenEnded: isOpenEnded,
                isExclusive: isExclusive, binding: binding, attachedAt: attachedAt,
                detachedAt: state.detachedAt,
                lastSeq: state.shownSeq, livePins: state.pins.count,
                waitingReaders: state.waiters.values.count {
                    if case .expired = $0 { false } else { true }
                }, access: access, descriptorsHandedOut: state.descriptorsHandedOut)
        }
    }

    /// Counts a descriptor handed out, unless the consumer is detached (then false: a detached
    /// consumer receives nothing). Called under the file's lock, so a detach cannot come between.
    func countHandOut() -> Bool {
        state.withLock { state in
            guard state.detachedAt == nil else { return false }
            state.descriptorsHandedOut += 1
            return true
        }
    }

    /// Records one event, unless the consumer is detached: nothing follows `detached`. Answers
    /// true when the event waits for a new lease (State.append). Called under the file's lock.
    func record(_ kind: ConsumerEvent.Kind) -> Bool {
        let (awaits, woken) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard state.detachedAt == nil else { return (false, []) }
            let awaits = state.append(kind, at: .now())
            return (awaits, Self.takeWaiting(&state))
        }
        for continuation in woken { continuation.resume() }
        return awaits
    }

    /// Records the final `detached` event and gives up every live pin, which becomes `released`
    /// (a detach unpins) or `revoked` (the file went). Answers those pins and whether the event
    /// waits for a new lease, or nil when the consumer was already detached. Called under the
    /// file's lock.
    func detach(_ reason: ConsumerEvent.DetachReason) -> (pins: [PinSnapshot], awaitsLease: Bool)? {
        let result = state.withLock {
            state -> ([PinSnapshot], Bool, [CheckedContinuation<Void, Never>])? in
            guard state.detachedAt == nil else { return nil }
            let pins = state.pins
            state.pins = []
            Self.keepGone(pins.map { $0.with(reason == .delete ? .revoked : .released) }, &state)
            let awaits = state.append(.detached(reason), at: .now())
            state.detachedAt = .now()
            detachedFlag.store(true, ordering: .releasing)
            return (pins, awaits, Self.takeWaiting(&state))
        }
        guard let (pins, awaits, woken) = result else { return nil }
        for continuation in woken { continuation.resume() }
        return (pins, awaits)
    }

    /// Every waiting reader, taken out of the table to be resumed once the lock is let go; none
    /// while the newest event waits for its lease.
    static func takeWaiting(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard state.ring.lastSeq <= state.seqLease else { return [] }
        var woken: [CheckedContinuation<Void, Never>] = []
        for (key, waiter) in state.waiters {
            if case .waiting(let continuation) = waiter {
                woken.append(continuation)
                state.waiters[key] = nil
            }
        }
        return woken
    }

    /// Adds revoked or released pins to the kept ones, forgetting the oldest past the bound.
    static func keepGone(_ pins: [PinSnapshot], _ state: inout State) {
        state.gonePins += pins
        if state.gonePins.count > keptGonePins {
            state.gonePins.removeFirst(state.gonePins.count - keptGonePins)
        }
    }
}
