import Locking

/// A value that arrives once from another thread (a port read from stderr, a process's exit),
/// awaited with an upper bound so that a server that never answers fails the test instead of
/// hanging the run.
package final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value, any Error>])
        case done(Result<Value, any Error>)
    }
    private let state = PthreadMutex(State.waiting([]))

    package init() {}

    /// The first result wins; later ones are dropped.
    package func fulfil(_ result: Result<Value, any Error>) {
        let waiters: [CheckedContinuation<Value, any Error>] = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    package var isFulfilled: Bool {
        state.withLock { state in
            if case .done = state { return true }
            return false
        }
    }

    /// The value, or `EndToEndError.timedOut(what)` if it has not come within `limit` (scaled).
    package func value(within limit: Duration, _ what: String) async throws -> Value {
        let timer = Task {
            try await Task.sleep(for: limit.scaled)
            fulfil(.failure(EndToEndError.timedOut(what)))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let done: Result<Value, any Error>? = state.withLock { state in
                switch state {
                case .waiting(let waiters):
                    state = .waiting(waiters + [continuation])
                    return nil
                case .done(let result):
                    return result
                }
            }
            if let done { continuation.resume(with: done) }
        }
    }
}

/// A one-time signal: a test opens it once and waiters go on, each within a bound.
package typealias Gate = OneShot<Void>

extension OneShot where Value == Void {
    package func open() { fulfil(.success(())) }

    /// Returns once the gate is open; throws `timedOut` naming `what` if it stays shut for `limit`.
    package func opened(within limit: Duration, _ what: String) async throws {
        try await value(within: limit, what)
    }
}
