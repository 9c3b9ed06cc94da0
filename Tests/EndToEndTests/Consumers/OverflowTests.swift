import Foundation
import Glibc
import TestSupport
import Testing

/// `--event-backlog`: a consumer that never reads gets one overflow naming what it lost, and
/// gmemd keeps no more than the backlog of the events nobody reads (how much memory that saves
/// is a benchmark's to measure, not a test's).
@Suite(.timeLimit(.scaledMinutes(10)))
struct OverflowTests {
    static let page: Int64 = 4096

    @Test func consumerThatNeverReadsGetsOneOverflowThenTheNewestEvents() async throws {
        try await Gmemd.withInstance(["--event-backlog", "16"]) { gmemd in
            let tenant = try await Admin(gmemd).createTenant()
            let file = try await tenant.createFile(size: Self.page)
            let consumer = try await tenant.attach(file)

            let load = try await Self.punches(gmemd, tenant, file, connections: 2, each: 50)

            #expect(load.failures.isEmpty, "\(load.failures)")
            let page = try await tenant.events(consumer)
            #expect(page.events.count == 17)
            #expect(page.events.first?.type == "overflow")
            #expect(page.events.first?.lostFrom == 1 && page.events.first?.lostTo == 84)
            #expect(page.events.first?.seq == 84)
            #expect(page.events.dropFirst().map(\.seq) == Array(85...100))
            #expect(try await tenant.events(consumer, after: page.next).events.isEmpty)
        }
    }

    @Test func unreadEventsOfManyConsumersAreKeptOnlyUpToTheBacklog() async throws {
        try await Gmemd.withInstance(["--event-backlog", "8"]) { gmemd in
            let tenant = try await Admin(gmemd).createTenant(limits: ["max_consumers": 200])
            let file = try await tenant.createFile(size: Self.page)
            for _ in 0..<200 { _ = try await tenant.attach(file) }

            // 4,400 punches: 880,000 events, about 50 MB if they were all kept.
            let load = try await Self.punches(gmemd, tenant, file, connections: 4, each: 1100)

            #expect(load.failures.isEmpty, "\(load.failures)")
            let consumers = try await tenant.client.get(file.path + "/consumers").decoded(
                ItemList<RemoteConsumer>.self)
            #expect(consumers.items.count == 200)
            for consumer in consumers.items {
                #expect(consumer.lastSeq == 4400)
                let page = try await tenant.events(consumer)
                #expect(page.events.map(\.seq) == [4392] + Array(4393...4400), "\(consumer.id)")
                #expect(page.events.first?.type == "overflow")
                #expect(page.events.first?.lostFrom == 1 && page.events.first?.lostTo == 4392)
            }
        }
    }

    /// A reader that stays connected but stops reading (its curl stopped with SIGSTOP) holds
    /// the stream back once the socket buffers fill; the backlog moves on meanwhile. When it
    /// reads again it gets what was sent before, then an overflow naming exactly the seqs it
    /// lost, then gapless ids to the end: the gap is stated, never silent. The punches run on
    /// worker threads, not on the tasks' pool the stream's task runs on, so with a backlog of 8 the
    /// task may fall behind a burst of them before the buffers fill, too: each such gap is named
    /// by an overflow of its own. The stream runs over
    /// the Unix socket, whose buffers are fixed (about 200 KB here), not TCP's, which loopback
    /// grows to megabytes.
    @Test func readerThatStopsReadingWhileConnectedGetsAnOverflowThenGaplessIDs() async throws {
        let unix = temporarySocketPath()
        // The stopped reader must outlast the punches: gmemd cuts off a client that reads nothing
        // for --idle-timeout, and a sanitized gmemd takes minutes over them.
        let options = ["--event-backlog", "8", "--unix", unix, "--idle-timeout", "\(60 * TimeScale.factor)"]
        try await Gmemd.withInstance(options) { gmemd in
            let tenant = try await Admin(gmemd).createTenant()
            let file = try await tenant.createFile(size: Self.page)
            let consumer = try await tenant.attach(file)
            let stream = try CurlEventStream.open(
                gmemd.url(consumer.path + "/events"), token: tenant.client.token!,
                arguments: ["--unix-socket", unix, "--max-time", "600"])
            _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page)
            #expect(try await stream.reader.nextEvent()?.id == "1", "the stream is live")

            stream.process.send(SIGSTOP)
            // 4,000 events of about 170 bytes: three times what the socket's buffers hold.
            let load = try await Self.punches(gmemd, tenant, file, connections: 2, each: 2000)
            stream.process.send(SIGCONT)
            try await tenant.detach(consumer)

            #expect(load.failures.isEmpty, "\(load.failures)")
            let events = try await stream.reader.rest(within: .seconds(60)).filter { $0.event != nil }.map {
                try $0.decoded()
            }
            #expect(events.contains { $0.type == "overflow" }, "the reader fell behind")
            // Every seq from 2 to the detach is delivered or named by an overflow, in order, once.
            var next: UInt64 = 2
            for event in events {
                if event.type == "overflow" {
                    #expect(event.lostFrom == next && event.lostTo == event.seq, "\(event)")
                } else {
                    #expect(event.seq == next, "\(event)")
                }
                next = event.seq + 1
            }
            #expect(events.last?.type == "detached" && events.last?.seq == 4002)
        }
    }

    /// `each` punches of the file's first page on each of `connections` keep-alive connections.
    static func punches(_ gmemd: Gmemd, _ tenant: Tenant, _ file: RemoteFile, connections: Int, each: Int)
        async throws
        -> KeepAliveLoad.Outcome
    {
        let body = #"{"mode":"punch_hole","offset":0,"length":4096}"#
        let request = Requests.post(
            file.path + "/fallocate",
            fields: [
                "Authorization: Bearer \(tenant.client.token!)", "Content-Type: application/json",
                "Content-Length: \(body.utf8.count)",
            ], body: body)
        return try await KeepAliveLoad(connections: connections, requestsEach: each, request: request)
            .run(port: gmemd.port) { $0.status == 200 }
    }
}
