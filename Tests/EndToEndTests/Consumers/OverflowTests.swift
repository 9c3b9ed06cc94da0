import Foundation
import TestSupport
import Testing

/// `--event-backlog`: a consumer that never reads gets one overflow naming what it lost, and
/// gmemd keeps no more than the backlog of the events nobody reads (how much memory that saves
/// is a benchmark's to measure, not a test's).
@Suite(.timeLimit(.minutes(5)))
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
