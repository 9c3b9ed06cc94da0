import Synchronization

/// The memory all request bodies in flight may hold together, shared by the loops: what a
/// connection has read of a body, what its handler still holds, and a gzip body's inflated
/// output. `--max-body-bytes` bounds one body; without this, 16 admitted clients each sending
/// 63 MiB could still take a GiB between them (the isolation issue). A body that does not fit is
/// refused with 503 and `Retry-After`, never queued: a queue would hold the client's socket and
/// its buffers as well. A request the server's `reserveJudge` accepts (gmemd: the admin's) is
/// admitted past the limit, counted all the same, so that a full budget never locks the admin out.
final class BodyBudget: Sendable {
    /// Bytes all bodies may hold together.
    let limit: Int
    private let held = Atomic<Int>(0)
    private let refusals = Atomic<Int>(0)
    /// Whether the last reservation was refused: the operator hears once per episode.
    private let isExhausted = Atomic<Bool>(false)
    private let onExhausted: (@Sendable (String) -> Void)?

    init(limit: Int, onExhausted: (@Sendable (String) -> Void)? = nil) {
        self.limit = limit
        self.onExhausted = onExhausted
    }

    var heldBytes: Int { held.load(ordering: .relaxed) }
    var refusalCount: Int { refusals.load(ordering: .relaxed) }

    /// A reservation of nothing yet, for one request's body.
    func reservation() -> BodyReservation { BodyReservation(self) }

    /// Takes `bytes` if they fit under the limit, or if `isExempt` says so when they do not.
    fileprivate func take(_ bytes: Int, isExempt: () -> Bool) -> Bool {
        // Counted first, checked after: two racing reservations cannot both get the last bytes.
        if held.add(bytes, ordering: .relaxed).newValue <= limit {
            isExhausted.store(false, ordering: .relaxed)
            return true
        }
        // Past the limit, and counted there: the exempt take what they need.
        if isExempt() { return true }
        held.subtract(bytes, ordering: .relaxed)
        refusals.add(1, ordering: .relaxed)
        if let onExhausted, !isExhausted.exchange(true, ordering: .relaxed) {
            onExhausted(
                "request bodies: all \(limit) bytes (--body-memory-bytes) are held by bodies in flight; "
                    + "more are answered 503 until some finish")
        }
        return false
    }

    fileprivate func give(_ bytes: Int) { held.subtract(bytes, ordering: .relaxed) }
}

/// One request's share of the `BodyBudget`: grown as its body arrives or inflates, and given
/// back whole when the last reference goes. It travels in the `Request`, so the bytes stay
/// counted for as long as a handler can still hold the body.
package final class BodyReservation: Sendable {
    private let budget: BodyBudget
    private let bytes = Atomic<Int>(0)

    fileprivate init(_ budget: BodyBudget) { self.budget = budget }

    /// Bytes reserved now.
    package var reservedBytes: Int { bytes.load(ordering: .relaxed) }

    /// Makes the reservation `total` bytes: more is taken from the budget if it fits, or if
    /// `isExempt` (asked only then) says so, else false and nothing changes; less gives the
    /// difference back. One owner at a time calls it.
    func resize(to total: Int, isExempt: () -> Bool = { false }) -> Bool {
        let current = bytes.load(ordering: .relaxed)
        if total > current {
            guard budget.take(total - current, isExempt: isExempt) else { return false }
        } else if total < current {
            budget.give(current - total)
        }
        bytes.store(total, ordering: .relaxed)
        return true
    }

    deinit { budget.give(bytes.load(ordering: .relaxed)) }
}
