import Synchronization

/// A value that arrives once from another thread (a port read from stderr, a process's exit),
/// awaited with an upper bound so that a server that never answers fails the test instead of
/// hanging the run.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case waiting([CheckedContinuation<Value, any Error>])
        case done(Result<Value, any Error>)
    }
    private let state = Mutex(State.waiting([]))

    /// The first result wins; later ones are dropped.
    func fulfil(_ result: Result<Value, any Error>) {
        let waiters: [CheckedContinuation<Value, any Error>] = state.withLock { state in
            guard case .waiting(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result) }
    }

    var isFulfilled: Bool {
        state.withLock { state in
            if case .done = state { return true }
            return false
        }
    }

    /// The value, or `EndToEndError.timedOut(what)` if it has not come within `limit`.
    func value(within limit: Duration, _ what: String) async throws -> Value {
        let timer = Task {
            try await Task.sleep(for: limit)
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
