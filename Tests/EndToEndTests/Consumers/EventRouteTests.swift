import Foundation
import TestSupport
import Testing

/// What reaches a consumer, recorded before the request that caused it answers, read by JSON
/// long-poll.
@Suite(.timeLimit(.scaledMinutes(10)))
struct EventRouteTests {
    static let page: Int64 = 4096

    @Test func fileOperationsReachOverlappingConsumersInOrderClippedToTheirRange() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 8 * Self.page)
        let low = try await tenant.attach(file, offset: 0, length: 2 * Self.page)
        let high = try await tenant.attach(file, offset: 4 * Self.page, length: 4 * Self.page)

        _ = try await tenant.fallocate(file, "allocate", offset: 0, length: 6 * Self.page).expecting(
            200, "allocate")
        _ = try await tenant.fallocate(file, "punch_hole", offset: Self.page, length: 100).expecting(
            200, "punch")
        _ = try await tenant.resize(file, to: 5 * Self.page).expecting(200, "shrink")
        try await tenant.addSeals(["grow"], to: file)

        #expect(
            try await tenant.events(low).events.map(\.shape) == [
                "allocate @0 +8192", "invalidate @4096 +100 punch_hole", "seal",
            ])
        #expect(
            try await tenant.events(high).events.map(\.shape) == [
                "allocate @16384 +8192", "invalidate @20480 +12288 shrink", "resize @20480 +12288 =20480",
                "seal",
            ])
        let seal = try await tenant.events(high).events.last
        #expect(seal?.seals == ["grow"])
    }

    @Test func sequenceIsGaplessAndEachReadContinuesFromNext() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file)
        for _ in 0..<5 { _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page) }

        let first = try await tenant.events(consumer)
        let rest = try await tenant.events(consumer, after: 3)

        #expect(first.events.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(first.next == 5 && !first.detached)
        #expect(rest.events.map(\.seq) == [4, 5])
    }

    @Test func punchAnswersOnlyAfterEveryOverlappingConsumerHasItsInvalidate() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4 * Self.page)
        let consumers = [try await tenant.attach(file), try await tenant.attach(file, kind: "rdma")]

        for round in 1...20 {
            _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page).expecting(
                200, "punch")
            for consumer in consumers {
                let page = try await tenant.events(consumer, after: UInt64(round - 1))
                #expect(page.events.map(\.seq) == [UInt64(round)], "round \(round)")
            }
        }
    }

    @Test func refusedPunchRecordsNoEvent() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        try await tenant.addSeals(["write"], to: file)
        let consumer = try await tenant.attach(file)

        let reply = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page)

        #expect(reply.status == 409)
        #expect(try await tenant.events(consumer).events.isEmpty)
    }

    @Test func longPollWakesWhenAnEventArrives() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file)
        let poll = Task { try await tenant.events(consumer, wait: 30) }
        try await Self.untilWaiting(tenant, consumer)

        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page).expecting(
            200, "punch")

        let page = try await poll.value
        #expect(page.events.map(\.shape) == ["invalidate @0 +4096 punch_hole"])
        #expect(page.next == 1)
    }

    @Test func longPollWakesWhenTheFileIsDeleted() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 0)
        let consumer = try await tenant.attach(file)
        let poll = Task { try await tenant.events(consumer, wait: 30) }
        try await Self.untilWaiting(tenant, consumer)

        _ = try await tenant.client.delete(file.path).expecting(204, "delete")

        let page = try await poll.value
        #expect(page.events.map(\.shape) == ["detached delete"])
        #expect(page.detached)
    }

    @Test func longPollWithoutEventsAnswersEmptyWhenTheWaitRunsOut() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file)

        let page = try await tenant.events(consumer, wait: 0.1)

        #expect(page.events.isEmpty && page.next == 0 && !page.detached)
    }

    @Test(arguments: [
        "?wait=61", "?wait=-1", "?wait=soon", "?after=-1", "?after=1", "?after=x",
    ])
    func badLongPollIs422(query: String) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file)

        let reply = try await tenant.client.get(consumer.path + "/events" + query)

        #expect(reply.status == 422, "\(reply.text)")
        #expect(reply.problem?.status == 422)
    }

    /// Polls the consumer until `count` readers wait on it, as gmemd says.
    static func untilWaiting(_ tenant: Tenant, _ consumer: RemoteConsumer, count: Int = 1) async throws {
        try await until("\(count) readers waiting on \(consumer.id)") {
            try await tenant.consumer(consumer.id).readers >= count
        }
    }
}
