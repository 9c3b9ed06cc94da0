import Foundation
import TestSupport
import Testing

/// Time under hostile load (the isolation issue, item 2): blocking work runs on gmemd's worker
/// threads, each tenant in its share, and a stranger gets none. Long operations are real
/// fallocates of 2 GiB; what is asserted is order and counts (which queue had drained when,
/// what was refused and left unchanged), never how long anything took.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct WorkerShareTests {
    static let gib: Int64 = 1 << 30
    /// One worker, one job of a tenant at a time: a second tenant's job can only be served by
    /// taking its turn ahead of the first tenant's queue.
    static let oneWorker = ["--workers", "1", "--worker-share", "1"]

    /// A tenant of `gmemd`: its id and its bearer token.
    struct Caller {
        var id: String
        var token: String
    }

    static func newTenant(_ gmemd: Gmemd) async throws -> Caller {
        let tenant = try await gmemd.newTenant()
        return Caller(
            id: tenant.id, token: String(tenant.header[1].dropFirst("Authorization: Bearer ".count)))
    }

    /// The status of each reply, in order. Read off the pool: a's long fallocates take minutes
    /// on a loaded host, and a blocked read would hold one of its two threads that long.
    static func statuses(_ connections: [RawConnection]) async throws -> [Int] {
        var statuses: [Int] = []
        for connection in connections { statuses.append(try await connection.reply().status) }
        return statuses
    }

    /// Sends a request on a connection of its own and leaves its reply unread.
    static func send(
        _ method: String, _ path: String, _ caller: Caller?, body: String = "", json: Bool = true,
        _ gmemd: Gmemd
    ) throws -> RawConnection {
        let connection = try RawConnection(port: gmemd.port, readTimeout: .seconds(300))
        let token = caller.map { "Authorization: Bearer \($0.token)\r\n" } ?? ""
        let type = json ? "Content-Type: application/json\r\n" : "Content-Type: application/octet-stream\r\n"
        try connection.send(
            "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(token)\(type)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        )
        return connection
    }

    static func createFile(size: Int64, _ caller: Caller, _ gmemd: Gmemd) async throws -> String {
        let reply = try await send("POST", "/v1/files", caller, body: #"{"name":"w","size":\#(size)}"#, gmemd)
            .reply()
        guard reply.status == 201, let id = reply.json?["id"] as? String else {
            throw EndToEndError.malformedResponse("create a file: \(reply.status) \(reply.text)")
        }
        return id
    }

    /// Sends `caller`'s long fallocates over `file` one at a time, each once the one before is
    /// seen running or waiting, until `waiting` of its jobs wait behind the one that runs. One at
    /// a time, they are served in the order sent (allocate, punch, allocate…) and none finds its
    /// work already done (sent at once, two allocates could follow each other and the second end
    /// at once). Sent until a count waits, not a fixed count sent: on a slow host a fixed count
    /// can drain as fast as it is sent. `others`: the caller's jobs accepted since
    /// `startedBefore` that are not in `long`.
    static func fillQueue(
        of caller: Caller, to waiting: Int, _ file: String, _ long: inout [RawConnection], others: Int = 0,
        startedBefore: Double, _ gmemd: Gmemd
    ) async throws {
        var seen = try await queued(of: caller, gmemd)
        for _ in 0..<24 where seen < Double(waiting) {
            let index = long.count
            long.append(try longFallocate(index, file, size: 2 * gib, caller, gmemd))
            try await until("fallocate \(index) runs or waits", within: .seconds(120)) {
                let metrics = try await gmemd.metrics()
                seen = queued(of: caller, in: metrics)
                return started(in: metrics) - startedBefore + seen > Double(index + others)
            }
        }
        try #require(seen >= Double(waiting), "\(waiting) fallocates never waited at once in 24 sent")
    }

    /// The `index`th of a run of fallocates over the whole of `file`: even ones allocate, odd
    /// ones punch, so that served in this order each one changes all of the file.
    static func longFallocate(_ index: Int, _ file: String, size: Int64, _ caller: Caller, _ gmemd: Gmemd)
        throws -> RawConnection
    {
        let mode = index.isMultiple(of: 2) ? "allocate" : "punch_hole"
        return try send(
            "POST", "/v1/files/\(file)/fallocate", caller,
            body: #"{"mode":"\#(mode)","offset":0,"length":\#(size)}"#, gmemd)
    }

    static func started(_ gmemd: Gmemd) async throws -> Double {
        started(in: try await gmemd.metrics())
    }

    static func queued(of caller: Caller, _ gmemd: Gmemd) async throws -> Double {
        queued(of: caller, in: try await gmemd.metrics())
    }

    /// Worker jobs started since gmemd started, in one scrape.
    static func started(in metrics: PrometheusText) -> Double {
        metrics.value("gmemd_worker_jobs_started_total") ?? 0
    }

    /// `caller`'s jobs waiting for a worker, in one scrape.
    static func queued(of caller: Caller, in metrics: PrometheusText) -> Double {
        metrics.value("gmemd_worker_jobs_queued_by_owner", ["owner": caller.id]) ?? 0
    }

    @Test func anotherTenantIsServedBeforeATenantsQueueOfLongFallocatesDrains() async throws {
        try await Gmemd.withInstance(Self.oneWorker) { gmemd in
            let (a, b) = (try await Self.newTenant(gmemd), try await Self.newTenant(gmemd))
            let bigFile = try await Self.createFile(size: 2 * Self.gib, a, gmemd)
            let smallFile = try await Self.createFile(size: 4096, b, gmemd)
            let startedBefore = try await Self.started(gmemd)
            var long: [RawConnection] = []
            try await Self.fillQueue(of: a, to: 4, bigFile, &long, startedBefore: startedBefore, gmemd)

            // b's job has started once more jobs started than those of a's that no longer wait.
            // Its answer is no moment to look: it waits for the journal's flush while the worker
            // goes on with a's queue. One scrape gives both figures, so they describe one moment.
            let bFallocate = try Self.send(
                "POST", "/v1/files/\(smallFile)/fallocate", b,
                body: #"{"mode":"allocate","offset":0,"length":4096}"#,
                gmemd)
            var aWaitingWhenBStarted = 0.0
            try await until("b's fallocate starts", within: .seconds(120)) {
                let metrics = try await gmemd.metrics()
                aWaitingWhenBStarted = Self.queued(of: a, in: metrics)
                let aStarted = Double(long.count) - aWaitingWhenBStarted
                return Self.started(in: metrics) - startedBefore > aStarted
            }
            let served = try await bFallocate.reply()
            let longStatuses = try await Self.statuses(long)

            #expect(served.status == 200, "\(served.text)")
            #expect(aWaitingWhenBStarted >= 1, "a's queue had drained before b's fallocate started")
            #expect(longStatuses == Array(repeating: 200, count: long.count))
        }
    }

    @Test func aRequestPastItsTenantsQueueIs503WithRetryAfterAndChangesNothing() async throws {
        try await Gmemd.withInstance(Self.oneWorker + ["--worker-queue", "2"]) { gmemd in
            let (a, b) = (try await Self.newTenant(gmemd), try await Self.newTenant(gmemd))
            let bigFile = try await Self.createFile(size: 2 * Self.gib, a, gmemd)
            let aFile = try await Self.createFile(size: 4096, a, gmemd)
            let bFile = try await Self.createFile(size: 4096, b, gmemd)
            let startedBefore = try await Self.started(gmemd)
            var long: [RawConnection] = []
            // The fallocate that runs can end between the scrape that saw a's queue full and the
            // write's arrival; the write then takes the place it left and runs (200), and is tried
            // again at the next offset. A gmemd that never refuses fails all five tries.
            var accepted: [Int: Int] = [:]
            var refused: (offset: Int, reply: HTTPReply)?
            for offset in 0..<5 where refused == nil {
                try await Self.fillQueue(
                    of: a, to: 2, bigFile, &long, others: accepted.count, startedBefore: startedBefore, gmemd)
                let reply = try await Self.send(
                    "PUT", "/v1/files/\(aFile)/content?offset=\(offset)", a, body: "x", json: false, gmemd
                )
                .reply()
                if reply.status == 503 { refused = (offset, reply) } else { accepted[offset] = reply.status }
            }
            let refusal = try #require(refused, "no write was refused while a's queue was full: \(accepted)")
            let other = try await Self.send(
                "PUT", "/v1/files/\(bFile)/content?offset=0", b, body: "y", json: false, gmemd
            )
            .reply()
            let longStatuses = try await Self.statuses(long)
            let aContent = try await Self.send("GET", "/v1/files/\(aFile)/content", a, gmemd).reply()
            let refusals = try await gmemd.metrics().value("gmemd_worker_jobs_refused_total")

            #expect(refusal.reply.header("Retry-After") == "1")
            #expect(refusal.reply.problemKind == "overloaded")
            #expect(accepted.values.allSatisfy { $0 == 200 }, "\(accepted)")
            #expect(other.status == 200, "another tenant's queue is its own: \(other.text)")
            #expect(longStatuses == Array(repeating: 200, count: long.count))
            #expect(aContent.body.count == 4096)
            #expect(
                aContent.body.dropFirst(refusal.offset).first == 0,
                "the refused write left the file as it was")
            #expect(accepted.keys.allSatisfy { aContent.body.dropFirst($0).first == UInt8(ascii: "x") })
            #expect(refusals == 1)
        }
    }

    /// A change's answer waits for the journal's flush, its worker does not: with one worker,
    /// 64 connections punching one file at once get every answer, and each punch moved the
    /// file's version exactly once.
    @Test func sixtyFourConnectionsPunchingThroughOneWorkerAreAllAnsweredEachChangeOnce() async throws {
        try await Gmemd.withInstance(Self.oneWorker) { gmemd in
            let tenant = try await Self.newTenant(gmemd)
            let file = try await Self.createFile(size: 1 << 20, tenant, gmemd)
            let before = try await Self.send("GET", "/v1/files/\(file)", tenant, gmemd).reply()
            let body = #"{"mode":"punch_hole","offset":0,"length":4096}"#
            let punch = Requests.post(
                "/v1/files/\(file)/fallocate",
                fields: [
                    "Authorization: Bearer \(tenant.token)", "Content-Type: application/json",
                    "Content-Length: \(body.utf8.count)",
                ], body: body)
            let load = KeepAliveLoad(connections: 64, requestsEach: 4, request: punch)

            let outcome = try await load.run(port: gmemd.port) { $0.status == 200 }
            let after = try await Self.send("GET", "/v1/files/\(file)", tenant, gmemd).reply()

            #expect(outcome.failures.isEmpty, "\(outcome.failures)")
            #expect(outcome.answered == 64 * 4)
            let versions = [before, after].map { $0.json?["version"] as? Int }
            #expect(versions[0].map { $0 + 64 * 4 } == versions[1])
        }
    }

    /// 128 MiB of zeros gzip to ~128 KiB: sent without a token it is 401 from its head and no
    /// worker job starts (nothing inflates it); with a tenant's token the same body starts one.
    @Test func anUnauthenticatedGzipBodyGetsNoWorkerTime() async throws {
        try await Gmemd.withInstance([]) { gmemd in
            let tenant = try await Self.newTenant(gmemd)
            let file = try await Self.createFile(size: 4096, tenant, gmemd)
            let bomb = try #require(try await offThePool { gzipZeros(128 << 20) })
            func post(_ caller: Caller?) async throws -> HTTPReply {
                let connection = try RawConnection(port: gmemd.port, readTimeout: .seconds(120))
                let token = caller.map { "Authorization: Bearer \($0.token)\r\n" } ?? ""
                try connection.send(
                    "POST /v1/files/\(file)/seals HTTP/1.1\r\nHost: 127.0.0.1\r\n\(token)"
                        + "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
                        + "Content-Length: \(bomb.count)\r\n\r\n")
                try? connection.send(bomb)
                return try await connection.reply()
            }
            let before = try await gmemd.metrics().value("gmemd_worker_jobs_started_total")

            let stranger = try await post(nil)
            let afterStranger = try await gmemd.metrics().value("gmemd_worker_jobs_started_total")
            let owned = try await post(tenant)
            let afterTenant = try await gmemd.metrics().value("gmemd_worker_jobs_started_total")

            #expect(stranger.status == 401)
            #expect(afterStranger == before)
            #expect(owned.status == 413, "inflated past --max-body-bytes on a worker: \(owned.text)")
            #expect(afterTenant == before.map { $0 + 1 })
        }
    }
}

/// `count` zero bytes through gzip -9.
private func gzipZeros(_ count: Int) -> [UInt8]? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "head -c \(count) /dev/zero | gzip -9"]
    let output = Pipe()
    process.standardOutput = output
    guard (try? process.run()) != nil else { return nil }
    let bytes = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return process.terminationStatus == 0 ? Array(bytes) : nil
}
