import Foundation
import Locking
import TestSupport
import Testing

@testable import HTTP

/// The fair share of worker time, as the queue decides it: no threads, no clock.
struct FairQueueTests {
    /// Queues `jobs` for `owner`: whether each was taken.
    static func enqueue(_ jobs: [String], owner: String, _ queue: inout FairQueue<String>) -> [Bool] {
        jobs.map { queue.enqueue($0, owner: owner) }
    }

    /// Takes jobs in turn until none may start, finishing each at once: the order they ran in.
    static func drain(_ queue: inout FairQueue<String>) -> [String] {
        var order: [String] = []
        while let (owner, job) = queue.next() {
            order.append(job)
            queue.finish(owner: owner)
        }
        return order
    }

    @Test func ownersTakeTurnsOneJobAtATimeWhateverTheirQueuesHold() {
        var queue = FairQueue<String>(share: 1, depth: 8)
        #expect(!Self.enqueue(["a1", "a2", "a3", "a4"], owner: "a", &queue).contains(false))
        #expect(!Self.enqueue(["b1", "b2"], owner: "b", &queue).contains(false))
        #expect(Self.enqueue(["c1"], owner: "c", &queue) == [true])

        #expect(Self.drain(&queue) == ["a1", "b1", "c1", "a2", "b2", "a3", "a4"])
    }

    @Test func anOwnerAtItsShareWaitsWhileAnotherOwnersJobStarts() {
        var queue = FairQueue<String>(share: 1, depth: 8)
        #expect(!Self.enqueue(["a1", "a2", "a3"], owner: "a", &queue).contains(false))
        let running = queue.next()
        #expect(running?.job == "a1")

        let nothing = queue.next()
        #expect(nothing == nil, "a is at its share of one")
        #expect(Self.enqueue(["b1"], owner: "b", &queue) == [true])
        let b = queue.next()
        #expect(b?.job == "b1")
        queue.finish(owner: "b")
        queue.finish(owner: "a")

        #expect(Self.drain(&queue) == ["a2", "a3"])
    }

    @Test func aFullQueueRefusesItsOwnerAndNoOtherOwner() {
        var queue = FairQueue<String>(share: 1, depth: 2)
        #expect(Self.enqueue(["a1"], owner: "a", &queue) == [true])
        #expect(Self.enqueue(["a2"], owner: "a", &queue) == [true])

        #expect(Self.enqueue(["a3"], owner: "a", &queue) == [false])
        #expect(Self.enqueue(["b1"], owner: "b", &queue) == [true])
        #expect(queue.refused == 1)
        #expect(queue.waitingByOwner == ["a": 2, "b": 1])
        #expect(Self.drain(&queue) == ["a1", "b1", "a2"])
    }

    @Test func anUnboundedOwnerIsNeverRefusedAndStillTakesItsTurn() {
        var queue = FairQueue<String>(share: 1, depth: 1)
        let taken = ["x1", "x2", "x3"].map { queue.enqueue($0, owner: "admin", isBounded: false) }
        #expect(Self.enqueue(["a1"], owner: "a", &queue) == [true])

        #expect(taken == [true, true, true])
        #expect(queue.refused == 0)
        #expect(Self.drain(&queue) == ["x1", "a1", "x2", "x3"])
    }

    @Test func aShareOfTwoRunsTwoJobsOfOneOwnerAtOnceAndNoMore() {
        var queue = FairQueue<String>(share: 2, depth: 8)
        #expect(!Self.enqueue(["a1", "a2", "a3"], owner: "a", &queue).contains(false))

        let first = queue.next()
        let second = queue.next()

        #expect([first?.job, second?.job] == ["a1", "a2"])
        let third = queue.next()
        #expect(third == nil)
        #expect(queue.running == 2)
        queue.finish(owner: "a")
        let afterOne = queue.next()
        #expect(afterOne?.job == "a3")
    }
}

/// The worker threads as a live server runs them: jobs of `staged` routes, their owners' turns
/// and queues, and what is answered on the loop without a worker. Every job that waits is held
/// by a semaphore the test opens, never by a clock; every wait is bounded.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct LiveWorkerTests {
    /// What the jobs did, in order, and a job that holds the only worker until released.
    final class Jobs: Sendable {
        let ran = PthreadMutex<[String]>([])
        let release = DispatchSemaphore(value: 0)

        /// The owners of the notes that ran, in the order they ran.
        var order: [String] { ran.withLock { ran in Array(ran) } }

        func router() -> Router {
            var router = Router()
            // Holds its worker until the test releases it; bounded so no test hangs, but past
            // the suite's own limit: a hold that let go early under load would reorder the jobs.
            router.add(
                .post, "/hold",
                .staged { [self] request in
                    .work(owner: request.headers["X-Owner"] ?? "") { _, reply in
                        _ = self.release.wait(timeout: .after(.seconds(630)))
                        reply.send(Response(status: .ok))
                    }
                })
            router.add(
                .post, "/note",
                .staged { [self] request in
                    guard let owner = request.headers["X-Owner"] else {
                        return .answer(Response(status: .unauthorized))
                    }
                    return .work(owner: owner) { request, reply in
                        self.ran.withLock { $0.append(owner) }
                        reply.send(Response(status: .ok, contentType: "text/plain", bytes: request.body))
                    }
                })
            return router
        }
    }

    static func post(_ path: String, owner: String?, _ live: LiveServer) throws -> RawConnection {
        let client = try live.client()
        let ownerField = owner.map { "X-Owner: \($0)\r\n" } ?? ""
        try client.send("POST \(path) HTTP/1.1\r\nHost: t\r\n\(ownerField)Content-Length: 0\r\n\r\n")
        return client
    }

    /// How long a state the test waits for may take to come about: long, as the suites share two
    /// cores with the others' builds (the machine has starved this process for 30 s), and never
    /// reached when it fails.
    static let patience = Duration.seconds(120)

    /// A live server with one worker, held by owner a's `/hold`, and `notes` of a's notes
    /// waiting behind it; each owner may queue `depth`.
    static func heldWorker(depth: Int, notes: Int) async throws -> (
        Jobs, LiveServer, hold: RawConnection, queued: [RawConnection]
    ) {
        let jobs = Jobs()
        let live = try LiveServer(jobs.router()) { configuration in
            configuration.workerThreads = 1
            configuration.workerShare = 1
            configuration.workerQueueDepth = depth
        }
        let hold = try post("/hold", owner: "a", live)
        try await until("a's hold runs", within: Self.patience) { live.server.load.workers.running == 1 }
        let queued = try (0..<notes).map { _ in try post("/note", owner: "a", live) }
        try await until("a's notes wait", within: Self.patience) {
            live.server.load.workers.waitingByOwner["a"] == notes
        }
        return (jobs, live, hold, queued)
    }

    @Test func anotherOwnersJobRunsBeforeTheQueueOfAnOwnerAtItsShareDrains() async throws {
        let (jobs, live, hold, queuedA) = try await Self.heldWorker(depth: 8, notes: 3)
        let queuedB = try Self.post("/note", owner: "b", live)
        try await until("b's note waits", within: Self.patience) { live.server.load.workers.waiting == 4 }

        jobs.release.signal()
        var statuses = [try await hold.reply().status]
        for client in queuedA + [queuedB] { statuses.append(try await client.reply().status) }

        #expect(statuses == [200, 200, 200, 200, 200])
        #expect(jobs.order == ["b", "a", "a", "a"])
        try await live.stop()
    }

    @Test func aJobPastItsOwnersQueueIs503WithRetryAfterAndNeverRuns() async throws {
        let (jobs, live, hold, queued) = try await Self.heldWorker(depth: 2, notes: 2)

        let refused = try await Self.post("/note", owner: "a", live).reply()
        let other = try Self.post("/note", owner: "b", live)
        try await until("b's note waits", within: Self.patience) { live.server.load.workers.waiting == 3 }
        jobs.release.signal()
        var statuses = [try await hold.reply().status]
        for client in queued + [other] { statuses.append(try await client.reply().status) }

        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.problemKind == "overloaded")
        #expect(statuses == [200, 200, 200, 200])
        #expect(jobs.order.sorted() == ["a", "a", "b"], "the refused note never ran")
        #expect(live.server.load.workers.refused == 1)
        try await live.stop()
    }

    /// A gzip bomb to a staged route that answers on the loop (no owner: the stand-in for no
    /// token) is never inflated: no job starts. With an owner, the same body starts one.
    @Test func aGzipBodyAnsweredOnTheLoopCostsNoWorkerTime() async throws {
        let jobs = Jobs()
        let live = try LiveServer(jobs.router()) { $0.maxBodyBytes = 1 << 20 }
        let bomb = try #require(Gzip.compress([UInt8](repeating: 0, count: 16 << 20), level: 9))
        func send(owner: String?) async throws -> HTTPReply {
            let client = try live.client()
            let ownerField = owner.map { "X-Owner: \($0)\r\n" } ?? ""
            try client.send(
                "POST /note HTTP/1.1\r\nHost: t\r\n\(ownerField)Content-Encoding: gzip\r\n"
                    + "Content-Length: \(bomb.count)\r\n\r\n")
            try client.send(bomb)
            return try await client.reply()
        }

        let stranger = try await send(owner: nil)
        let startedForStranger = live.server.load.workers.started
        let owned = try await send(owner: "a")

        #expect(stranger.status == 401)
        #expect(startedForStranger == 0)
        #expect(owned.status == 413, "inflated on a worker, past the body limit")
        #expect(live.server.load.workers.started == 1)
        try await live.stop()
    }
}
