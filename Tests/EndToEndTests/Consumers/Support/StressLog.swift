import Foundation
import Synchronization

/// What the stress test's clients did, ordered by one shared counter read just before each
/// request is sent and just after its answer is in: an operation B surely came after A when
/// B's start is above A's end. The counter orders events; it measures no time.
final class StressLog: Sendable {
    struct Window: Sendable {
        var consumer: RemoteConsumer
        var attachStart: Int, attachEnd: Int
        var detachStart: Int?, detachEnd: Int?
        /// Every event, read right after the detach (gmemd keeps only recent detached consumers).
        var events: [RemoteEvent]?
    }

    struct Punch: Sendable {
        var file: String, offset: Int64, length: Int64, start: Int, end: Int
    }

    private struct State {
        var windows: [String: Window] = [:]
        var order: [String] = []
        var punches: [Punch] = []
        var finished = 0
    }

    private let clock = Atomic<Int>(0)
    private let state = Mutex(State())

    func tick() -> Int { clock.add(1, ordering: .sequentiallyConsistent).newValue }

    func attached(_ consumer: RemoteConsumer, from start: Int, to end: Int) {
        state.withLock {
            $0.windows[consumer.id] = Window(consumer: consumer, attachStart: start, attachEnd: end)
            $0.order.append(consumer.id)
        }
    }

    func detached(_ id: String, from start: Int, to end: Int, events: [RemoteEvent]) {
        state.withLock {
            $0.windows[id]?.detachStart = start
            $0.windows[id]?.detachEnd = end
            $0.windows[id]?.events = events
        }
    }

    func punched(_ punch: Punch) { state.withLock { $0.punches.append(punch) } }

    /// One of the consumers attached so far, chosen by `pick`.
    func someConsumer(_ pick: Int) -> RemoteConsumer? {
        state.withLock { $0.order.isEmpty ? nil : $0.windows[$0.order[pick % $0.order.count]]?.consumer }
    }

    func finish() { state.withLock { $0.finished += 1 } }
    func finished(_ workers: Int) -> Bool { state.withLock { $0.finished >= workers } }

    var windows: [Window] { state.withLock { Array($0.windows.values) } }
    var punches: [Punch] { state.withLock { $0.punches } }
}
