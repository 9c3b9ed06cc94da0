import Foundation
import TestSupport
import Testing

/// Server-Sent Events on `GET /v1/consumers/{cid}/events`, read by real streaming clients:
/// curl -N and URLSession's data delegate.
@Suite(.timeLimit(.scaledMinutes(10)))
struct EventStreamTests {
    static let page: Int64 = 4096

    @Test func curlReadsEventsAsTheyHappenUntilTheDetach() async throws {
        let (gmemd, tenant, file, consumer) = try await Self.consumerOfANewFile(size: 2 * Self.page)
        let stream = try CurlEventStream.open(
            gmemd.url(consumer.path + "/events"), token: tenant.client.token!)
        #expect(try await stream.reader.next()?.retry == 2000)

        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page).expecting(
            200, "punch")
        let first = try #require(try await stream.reader.nextEvent())
        _ = try await tenant.client.delete(file.path).expecting(204, "delete")
        let rest = try await stream.reader.rest().filter { $0.event != nil }

        #expect(first.id == "1" && first.event == "invalidate")
        #expect(try first.decoded().shape == "invalidate @0 +4096 punch_hole")
        #expect(rest.map(\.id) == ["2", "3"])
        #expect(try rest.map { try $0.decoded().shape } == ["invalidate @0 +8192 delete", "detached delete"])
        #expect(
            try await stream.process.termination(within: .seconds(20))
                == Termination(exitedNormally: true, status: 0))
    }

    @Test func urlSessionReadsEventsAsBytesArriveWithTheEventStreamHead() async throws {
        let (gmemd, tenant, file, consumer) = try await Self.consumerOfANewFile()
        let stream = try await URLSessionEventStream.open(
            gmemd, consumer.path + "/events", token: tenant.client.token)
        let head = try await stream.response.value(within: .seconds(5), "head")
        #expect(head.statusCode == 200)
        #expect(head.value(forHTTPHeaderField: "Content-Type") == "text/event-stream")
        #expect(head.value(forHTTPHeaderField: "Cache-Control") == "no-cache")

        for round in 1...3 {
            _ = try await tenant.fallocate(file, "allocate", offset: 0, length: Self.page).expecting(
                200, "allocate")
            let message = try #require(try await stream.reader.nextEvent())
            #expect(message.id == "\(round)" && message.event == "allocate")
            #expect(try message.decoded().seq == UInt64(round))
        }
        try await tenant.detach(consumer)
        let last = try #require(try await stream.reader.nextEvent())
        #expect(try last.decoded().shape == "detached detach")
        #expect(try await stream.reader.rest().allSatisfy { $0.event == nil })
    }

    @Test func lastEventIDResumesAfterTheEventItNames() async throws {
        let (gmemd, tenant, file, consumer) = try await Self.consumerOfANewFile()
        for _ in 0..<5 { _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page) }

        let stream = try await URLSessionEventStream.open(
            gmemd, consumer.path + "/events", token: tenant.client.token, headers: ["Last-Event-ID": "3"])
        let replayed = [try await stream.reader.nextEvent(), try await stream.reader.nextEvent()]
        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page)
        let live = try await stream.reader.nextEvent()
        try await stream.cancel()

        #expect(replayed.map { $0?.id } == ["4", "5"])
        #expect(live?.id == "6")
    }

    @Test func curlResumesWithLastEventIDToo() async throws {
        let (gmemd, tenant, file, consumer) = try await Self.consumerOfANewFile()
        for _ in 0..<3 { _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page) }
        try await tenant.detach(consumer)

        let stream = try CurlEventStream.open(
            gmemd.url(consumer.path + "/events"), token: tenant.client.token!, headers: ["Last-Event-ID": "2"]
        )
        let messages = try await stream.reader.rest().filter { $0.event != nil }

        #expect(messages.map(\.id) == ["3", "4"])
        #expect(messages.map(\.event) == ["invalidate", "detached"])
    }

    @Test func idleStreamSendsKeepAliveComments() async throws {
        let (gmemd, tenant, _, consumer) = try await Self.consumerOfANewFile()
        let stream = try await URLSessionEventStream.open(
            gmemd, consumer.path + "/events", token: tenant.client.token)

        #expect(try await stream.reader.next()?.retry == 2000)
        #expect(try await stream.reader.next()?.comment == "keep-alive")
        #expect(try await stream.reader.next()?.comment == "keep-alive")
        try await stream.cancel()
    }

    @Test func streamThatIsLeftEndsItsReaderOnTheServer() async throws {
        let (gmemd, tenant, _, consumer) = try await Self.consumerOfANewFile()
        let stream = try await URLSessionEventStream.open(
            gmemd, consumer.path + "/events", token: tenant.client.token)
        try await EventRouteTests.untilWaiting(tenant, consumer)

        try await stream.cancel()

        // The next keep-alive (every 0.25 s here) finds the client gone and the stream's reader
        // stops waiting.
        try await until("the stream's reader to stop waiting") {
            try await tenant.consumer(consumer.id).readers == 0
        }
    }

    @Test(arguments: [("Last-Event-ID", "soon"), ("Last-Event-ID", "7")])
    func badResumePointIs422BeforeTheStreamStarts(name: String, value: String) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file)

        let reply = try await tenant.client.get(
            consumer.path + "/events", headers: ["Accept": "text/event-stream", name: value])

        #expect(reply.status == 422)
        #expect(reply.contentType?.hasPrefix("application/problem+json") == true)
    }

    @Test func streamOfAnUnknownConsumerIs404() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()

        let reply = try await tenant.client.get(
            "/v1/consumers/con_0000000000000000000000000a/events", headers: ["Accept": "text/event-stream"])

        #expect(reply.status == 404)
    }

    /// A new tenant's new file on the shared instance, with one consumer of all of it.
    static func consumerOfANewFile(size: Int64 = page) async throws -> (
        Gmemd, Tenant, RemoteFile, RemoteConsumer
    ) {
        let gmemd = try await SharedGmemd.consumers.running()
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: size)
        return (gmemd, tenant, file, try await tenant.attach(file))
    }
}
