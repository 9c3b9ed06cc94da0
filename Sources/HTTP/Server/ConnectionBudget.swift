import Synchronization

/// The server-wide count of open connections against `maxConnections`, shared by the loops, and
/// a few places past it kept for the admin: when every regular place is taken (10,000 idle
/// clients, say), a new client gets a reserved one, where only a request the server's
/// `reserveJudge` accepts is served and any other is answered 503 and closed. When the reserve
/// is full too, the accepting loop closes a silent holder of a reserved place to make way
/// (EventLoop+Accept), or, with none, the new client unanswered.
final class ConnectionBudget: Sendable {
    /// Which kind of place a connection holds.
    enum Place {
        case regular, reserved
    }

    let limit: Int
    let reserve: Int
    private let regular = Atomic<Int>(0)
    private let reserved = Atomic<Int>(0)
    /// Whether the last attempt fell past the regular places: the operator hears once per episode.
    private let isExhausted = Atomic<Bool>(false)
    private let onExhausted: (@Sendable (String) -> Void)?

    init(limit: Int, reserve: Int = 0, onExhausted: (@Sendable (String) -> Void)? = nil) {
        self.limit = limit
        self.reserve = reserve
        self.onExhausted = onExhausted
    }

    /// Takes a regular place if one is free, else a reserved one, else none.
    func acquire() -> Place? {
        if take(from: regular, limit: limit) {
            isExhausted.store(false, ordering: .relaxed)
            return .regular
        }
        noteRefusal(
            "all \(limit) connections (--max-connections) are open; past them \(reserve) are kept "
                + "for the admin (--admin-connections), and any other request is answered 503")
        return take(from: reserved, limit: reserve) ? .reserved : nil
    }

    private func take(from count: borrowing Atomic<Int>, limit: Int) -> Bool {
        var current = count.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A connection could not be taken, for `reason`: told to `onExhausted` once per episode.
    func noteRefusal(_ reason: String) {
        guard let onExhausted, !isExhausted.exchange(true, ordering: .relaxed) else { return }
        onExhausted(reason)
    }

    func release(_ place: Place) {
        switch place {
        case .regular: regular.subtract(1, ordering: .relaxed)
        case .reserved: reserved.subtract(1, ordering: .relaxed)
        }
    }

    /// Connections open now, in either kind of place.
    var current: Int { regular.load(ordering: .relaxed) + reserved.load(ordering: .relaxed) }

    /// Connections open now in reserved places.
    var currentReserved: Int { reserved.load(ordering: .relaxed) }
}
