import Dispatch
import Foundation
import HTTP
import Locking
import Synchronization
import TestSupport
import Testing

@testable import Server

/// The file journal's group commit: no answer leaves before a flush covers its line, and the
/// worker that made the change does not wait for that flush, so every change in flight shares
/// one. The flush is a gate the test holds: what is asserted is which answers came while it was
/// held, never how long anything took.
@Suite(.timeLimit(.scaledMinutes(10)))
struct JournalFlusherTests {
    /// A flush that says when it starts and ends only when released.
    final class HeldFlush: Sendable {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let count = Atomic(0)

        func flush(_ fd: Int32) -> Int32 {
            count.add(1, ordering: .sequentiallyConsistent)
            started.signal()
            _ = release.wait(timeout: .after(.seconds(30)))
            return 0
        }
    }

    /// The answers given so far, in order.
    final class Answers: Sendable {
        private let given = PthreadMutex<[Int]>([])
        private let arrived = DispatchSemaphore(value: 0)

        var all: [Int] { given.withLock { $0 } }

        func answer(_ number: Int) {
            given.withLock { $0.append(number) }
            arrived.signal()
        }

        /// Waits for `count` more answers, 10 s at most each.
        func waitFor(_ count: Int) -> Bool {
            (0..<count).allSatisfy { _ in arrived.wait(timeout: .after(.seconds(10))) == .success }
        }
    }

    static func flusher(_ held: HeldFlush) -> JournalFlusher {
        JournalFlusher(descriptor: open("/dev/null", O_WRONLY | O_CLOEXEC), flush: held.flush)
    }

    static func started(_ held: HeldFlush) -> Bool {
        held.started.wait(timeout: .after(.seconds(10))) == .success
    }

    @Test func anAnswerLeavesOnlyAfterTheFlushThatCoversItsLine() {
        let held = HeldFlush()
        let flusher = Self.flusher(held)
        let answers = Answers()

        flusher.didAppend()
        flusher.afterFlush { answers.answer(1) }
        let firstStarted = Self.started(held)
        flusher.didAppend()  // after the first flush began: it is not covered by it
        flusher.afterFlush { answers.answer(2) }
        let beforeAnyFlush = answers.all
        held.release.signal()
        let firstAnswered = answers.waitFor(1)
        let afterFirstFlush = answers.all
        let secondStarted = Self.started(held)
        let whileSecondHeld = answers.all
        held.release.signal()
        let secondAnswered = answers.waitFor(1)

        #expect(firstStarted && secondStarted && firstAnswered && secondAnswered)
        #expect(beforeAnyFlush == [])
        #expect(afterFirstFlush == [1])
        #expect(whileSecondHeld == [1])
        #expect(answers.all == [1, 2])
    }

    @Test func anAnswerWithNothingUnflushedLeavesAtOnceWithoutAFlush() {
        let held = HeldFlush()
        let flusher = Self.flusher(held)
        let answers = Answers()

        flusher.afterFlush { answers.answer(1) }

        #expect(answers.all == [1])
        #expect(held.count.load(ordering: .sequentiallyConsistent) == 0)
    }

    /// One worker, 32 changes: before, the worker waited in each change for its flush, so the
    /// second change could not start while the first flush was held.
    @Test func oneWorkerMakesEveryChangeWhileTheFirstFlushIsHeldAndTwoFlushesAnswerThemAll() {
        let held = HeldFlush()
        let flusher = Self.flusher(held)
        let answers = Answers()
        let ran = DispatchSemaphore(value: 0)
        let pool = WorkerPool(threads: 1, share: 1, depth: 64)
        pool.start()
        defer { pool.stop() }

        for number in 0..<32 {
            _ = pool.submit(owner: "tenant") {
                flusher.didAppend()
                flusher.afterFlush { answers.answer(number) }
                ran.signal()
            }
        }
        let allRan = (0..<32).allSatisfy { _ in ran.wait(timeout: .after(.seconds(10))) == .success }
        let firstStarted = Self.started(held)
        let whileHeld = answers.all
        for _ in 0..<32 { held.release.signal() }
        let allAnswered = answers.waitFor(32)

        #expect(allRan, "a change waited for the flush on its worker")
        #expect(firstStarted)
        #expect(whileHeld == [])
        #expect(allAnswered)
        #expect(answers.all.sorted() == Array(0..<32))
        #expect(held.count.load(ordering: .sequentiallyConsistent) <= 2)
    }
}
