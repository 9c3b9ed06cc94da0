import Locking
import SystemPackage

/// The only way into a loop from another thread: a queue guarded by a Mutex and woken by an
/// eventfd. The eventfd is written only when the queue goes from "nothing pending" to
/// "something pending", so a burst of posts costs one wakeup.
final class Inbox: Sendable {
    private struct State {
        var messages: [LoopMessage] = []
        /// A wakeup is on its way; later posts need not write the eventfd again.
        var isWakePending = false
        /// The loop has stopped: posts are discarded.
        var isClosed = false
    }

    private let state = PthreadMutex(State())
    /// Lives as long as the inbox, so a post racing the loop's exit never writes a closed or
    /// reused fd.
    let wakeup: EventFD

    init() throws(Errno) { wakeup = try EventFD() }

    /// Queues `message` for the loop, or discards it when the loop has stopped.
    func post(_ message: LoopMessage) {
        let shouldWake = state.withLock { state -> Bool? in
            if state.isClosed { return nil }
            state.messages.append(message)
            defer { state.isWakePending = true }
            return !state.isWakePending
        }
        switch shouldWake {
        case nil: message.discard()
        case true?: wakeup.signal()
        case false?: break
        }
    }

    /// Swaps the queue with `spare` (empty, with capacity) so that neither side allocates.
    /// Called by the loop when the eventfd is readable.
    func take(into spare: inout [LoopMessage]) {
        wakeup.drain()
        state.withLock { state in
            // Cleared before the loop reads the messages: a post after this lock wakes it again.
            state.isWakePending = false
            swap(&state.messages, &spare)
        }
    }

    /// Stops accepting messages; returns those not yet taken, for the loop to discard.
    func close() -> [LoopMessage] {
        state.withLock { state in
            state.isClosed = true
            defer { state.messages = [] }
            return state.messages
        }
    }
}
