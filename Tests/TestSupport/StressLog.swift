import Locking
import Synchronization

/// A consumer as a stress test logs it: its id, the file it is attached to and the bytes of it
/// that it hears about (to `Int64.max` for one that follows the file's size).
package protocol StressConsumer: Sendable {
    associatedtype ID: Hashable & Sendable
    associatedtype File: Equatable & Sendable
    var id: ID { get }
    var watchedFile: File { get }
    var watchedBytes: Range<Int64> { get }
}

/// What a stress test's concurrent clients did (the in-process one in GuestMemTests and the
/// end-to-end one, each in its own types), ordered by one shared counter read just before each
/// step starts and just after it ends: step B surely came after A when B's start is above A's
/// end. The counter orders steps; it measures no time.
package final class StressLog<Consumer: StressConsumer, Event: Sendable>: Sendable {
    package struct Window: Sendable {
        package var consumer: Consumer
        package var attachStart: Int, attachEnd: Int
        package var detachStart: Int?, detachEnd: Int?
        /// Every event, read right after the detach (gmemd keeps only recent detached consumers).
        package var events: [Event]?
    }

    package struct Punch: Sendable {
        package var file: Consumer.File
        package var bytes: Range<Int64>
        package var start: Int, end: Int
    }

    private struct State {
        var windows: [Consumer.ID: Window] = [:]
        var order: [Consumer.ID] = []
        var punches: [Punch] = []
        var finished = 0
    }

    private let clock = Atomic<Int>(0)
    private let state = PthreadMutex(State())

    package init() {}

    /// The next value of the shared counter.
    package func tick() -> Int { clock.add(1, ordering: .sequentiallyConsistent).newValue }

    package func attached(_ consumer: Consumer, from start: Int, to end: Int) {
        state.withLock {
            $0.windows[consumer.id] = Window(consumer: consumer, attachStart: start, attachEnd: end)
            $0.order.append(consumer.id)
        }
    }

    package func detached(_ id: Consumer.ID, from start: Int, to end: Int, events: [Event]) {
        state.withLock {
            $0.windows[id]?.detachStart = start
            $0.windows[id]?.detachEnd = end
            $0.windows[id]?.events = events
        }
    }

    package func punched(_ file: Consumer.File, _ bytes: Range<Int64>, from start: Int, to end: Int) {
        state.withLock { $0.punches.append(Punch(file: file, bytes: bytes, start: start, end: end)) }
    }

    /// One of the consumers attached so far, chosen by `pick`.
    package func someConsumer(_ pick: Int) -> Consumer? {
        state.withLock { $0.order.isEmpty ? nil : $0.windows[$0.order[pick % $0.order.count]]?.consumer }
    }

    /// A worker has finished.
    package func finish() { state.withLock { $0.finished += 1 } }
    /// Whether `workers` workers have finished; readers stop then.
    package func isDone(workers: Int) -> Bool { state.withLock { $0.finished >= workers } }

    package var windows: [Window] { state.withLock { Array($0.windows.values) } }
    package var punches: [Punch] { state.withLock { $0.punches } }

    /// How `seen`, the punch invalidates `window`'s consumer heard counted by the part of its
    /// bytes each covered, breaks the rule: every punch that overlapped it surely while it was
    /// attached (after its attach answered, before its detach was sent) gave it one, and none
    /// came from a punch that did not overlap its attachment at all. Empty when it keeps it.
    package func invalidateMismatches(in window: Window, seen: [Range<Int64>: Int]) -> [String] {
        var least: [Range<Int64>: Int] = [:]
        var most: [Range<Int64>: Int] = [:]
        for punch in punches where punch.file == window.consumer.watchedFile {
            let part = punch.bytes.clamped(to: window.consumer.watchedBytes)
            guard !part.isEmpty else { continue }
            if punch.start > window.attachEnd, punch.end < (window.detachStart ?? .max) {
                least[part, default: 0] += 1
            }
            if punch.end > window.attachStart, punch.start < (window.detachEnd ?? .max) {
                most[part, default: 0] += 1
            }
        }
        let missed = least.filter { seen[$0.key, default: 0] < $0.value }.map { "missed \($0.key)" }
        let extra = seen.filter { $0.value > most[$0.key, default: 0] }.map { "extra \($0.key)" }
        return missed + extra
    }
}
