import Synchronization

/// The server-wide count of open connections against `maxConnections`, shared by the loops.
final class ConnectionBudget: Sendable {
    private let limit: Int
    private let count = Atomic<Int>(0)
    /// Whether the last attempt was refused: the operator hears once per episode.
    private let isExhausted = Atomic<Bool>(false)
    private let onExhausted: (@Sendable (String) -> Void)?

    init(limit: Int, onExhausted: (@Sendable (String) -> Void)? = nil) {
        self.limit = limit
        self.onExhausted = onExhausted
    }

    /// Takes a place if one is free.
    func acquire() -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged {
                isExhausted.store(false, ordering: .relaxed)
                return true
            }
            current = original
        }
        noteRefusal("all \(limit) connections (--max-connections) are open; new ones are closed at once")
        return false
    }

    /// A connection could not be taken, for `reason`: told to `onExhausted` once per episode.
    func noteRefusal(_ reason: String) {
        guard let onExhausted, !isExhausted.exchange(true, ordering: .relaxed) else { return }
        onExhausted(reason)
    }

    func release() { count.subtract(1, ordering: .relaxed) }

    var current: Int { count.load(ordering: .relaxed) }
}
