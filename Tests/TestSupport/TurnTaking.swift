import Locking

/// Runs bodies one at a time, in the order they asked, across every suite and test target of the
/// run: `.serialized` orders the tests of one suite only.
package final class TurnTaking: Sendable {
    private let state = PthreadMutex<(isBusy: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    package init() {}

    /// `body`, once no other body of these turns runs. The wait is bounded by the time limit of
    /// the suite that waits, as every body's run is by its own.
    package func run<T>(_ body: () async throws -> T) async throws -> T {
        await withCheckedContinuation { (turn: CheckedContinuation<Void, Never>) in
            let isFree = state.withLock { state in
                if state.isBusy { state.waiting.append(turn) }
                defer { state.isBusy = true }
                return !state.isBusy
            }
            if isFree { turn.resume() }
        }
        defer { passOn() }
        return try await body()
    }

    private func passOn() {
        let next = state.withLock { state in
            if state.waiting.isEmpty { state.isBusy = false }
            return state.waiting.isEmpty ? nil : state.waiting.removeFirst()
        }
        next?.resume()
    }
}

extension TurnTaking {
    /// The tests that each hold a real GiB of memory: two at once beside the rest of the run ask a
    /// small host for 2 GiB more than one does.
    package static let gibibyte = TurnTaking()
}
