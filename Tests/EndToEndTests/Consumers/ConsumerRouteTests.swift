import Foundation
import TestSupport
import Testing

/// `/v1/files/{fid}/consumers` and `/v1/consumers/{cid}` end to end: attach, list, get, detach,
/// and every rule that refuses an attach.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerRouteTests {
    static let page: Int64 = 4096

    @Test func attachAnswers201WithTheConsumerAndItsLocation() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 16 * Self.page)

        let reply = try await tenant.attachReply(
            file, kind: "vfio", offset: 0, length: 8 * Self.page, label: "nic0")

        #expect(reply.status == 201)
        let consumer = try reply.decoded(RemoteConsumer.self)
        #expect(reply.header("Location") == consumer.path)
        #expect(consumer.id.hasPrefix("con_"))
        #expect(consumer.fileId == file.id && consumer.kind == "vfio" && consumer.label == "nic0")
        #expect(consumer.offset == 0 && consumer.length == 8 * Self.page && !consumer.exclusive)
        #expect(consumer.state == "attached" && consumer.lastSeq == 0 && consumer.pins == 0)
        #expect(try await tenant.consumer(consumer.id).id == consumer.id)
    }

    @Test func consumerAttachedWithoutALengthFollowsTheFile() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)

        let consumer = try await tenant.attach(file, kind: "kvm")

        #expect(consumer.offset == 0 && consumer.length == nil)
    }

    @Test func listingShowsTheAttachedConsumersOldestFirst() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let first = try await tenant.attach(file, kind: "kvm")
        let second = try await tenant.attach(file, kind: "rdma")
        try await tenant.detach(first)

        let list = try await tenant.client.get(file.path + "/consumers").expecting(200, "list")
            .decoded(ItemList<RemoteConsumer>.self)

        #expect(list.items.map(\.id) == [second.id])
    }

    @Test(arguments: ["kvm", "vfio", "iommu", "rdma", "generic"])
    func everyKindOfTheContractAttaches(kind: String) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)

        #expect(try await tenant.attach(file, kind: kind).kind == kind)
    }

    @Test(
        arguments: [
            (["kind": "gpu"], 422), (["kind": "kvm", "offset": 100], 422),
            (["kind": "kvm", "length": 0], 422),
            (["kind": "kvm", "offset": -4096], 422), (["kind": "kvm", "vm": "vm_x"], 422),
            (["kind": "kvm", "label": "a\nb"], 422), (["kind": 7], 400),
            (["kind": "kvm", "colour": "red"], 400),
        ] as [([String: any Sendable], Int)])
    func badAttachIsRefusedAndAttachesNothing(body: [String: any Sendable], status: Int) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)

        let reply = try await tenant.client.post(file.path + "/consumers", json: body)

        #expect(reply.status == status, "\(reply.text)")
        #expect(reply.problem != nil)
        #expect(try await tenant.usage().consumers == 0)
    }

    @Test func exclusiveConsumerRefusesAnOverlappingAttachWith409EBUSY() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 16 * Self.page)
        _ = try await tenant.attach(file, kind: "kvm", offset: 0, length: 8 * Self.page, exclusive: true)

        let overlapping = try await tenant.attachReply(file, offset: 4 * Self.page, length: 8 * Self.page)
        let beside = try await tenant.attachReply(file, offset: 8 * Self.page, length: 8 * Self.page)

        #expect(overlapping.status == 409)
        #expect(overlapping.problem?.errno == "EBUSY")
        #expect(beside.status == 201)
    }

    @Test func exclusiveAttachIsRefusedWhereAConsumerAlreadyIs() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 16 * Self.page)
        _ = try await tenant.attach(file, offset: 4 * Self.page, length: Self.page)

        let reply = try await tenant.attachReply(file, kind: "kvm", exclusive: true)

        #expect(reply.status == 409)
        #expect(reply.problem?.errno == "EBUSY")
    }

    @Test func wholeFileExclusiveConsumerRefusesEveryOtherAttachUntilItDetaches() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 16 * Self.page)
        let holder = try await tenant.attach(file, kind: "kvm", exclusive: true)

        #expect(try await tenant.attachReply(file, offset: 15 * Self.page, length: Self.page).status == 409)
        try await tenant.detach(holder)
        #expect(try await tenant.attachReply(file, offset: 15 * Self.page, length: Self.page).status == 201)
    }

    @Test func noNewConsumersSealRefusesEveryAttachWith409EPERMAndKeepsTheAttachedOnes() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let kept = try await tenant.attach(file)
        try await tenant.addSeals(["no_new_consumers"], to: file)

        let reply = try await tenant.attachReply(file)

        #expect(reply.status == 409)
        #expect(reply.problem?.errno == "EPERM")
        #expect(try await tenant.consumer(kept.id).state == "attached")
    }

    @Test func attachPastMaxConsumersIs403EDQUOTAndUsageCountsConsumers() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant(limits: ["max_consumers": 2])
        let file = try await tenant.createFile(size: Self.page)
        let first = try await tenant.attach(file)
        _ = try await tenant.attach(file)

        let reply = try await tenant.attachReply(file)

        #expect(reply.status == 403)
        #expect(reply.problem?.errno == "EDQUOT")
        #expect(reply.problemKind == "quota")
        #expect(try await tenant.usage().consumers == 2)
        try await tenant.detach(first)
        #expect(try await tenant.usage().consumers == 1)
        #expect(try await tenant.attachReply(file).status == 201)
    }

    @Test func detachAnswers204TwiceAndLeavesTheConsumerReadableAsDetached() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file)

        try await tenant.detach(consumer)
        try await tenant.detach(consumer)

        #expect(try await tenant.consumer(consumer.id).state == "detached")
        let page = try await tenant.events(consumer)
        #expect(page.events.map(\.shape) == ["detached detach"])
        #expect(page.detached)
    }

    @Test func deletingTheFileDetachesEveryConsumerWithAFinalDetachedEvent() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 2 * Self.page)
        let consumers = [
            try await tenant.attach(file),
            try await tenant.attach(file, offset: Self.page, length: Self.page),
        ]

        _ = try await tenant.client.delete(file.path).expecting(204, "delete the file")

        for consumer in consumers {
            let events = try await tenant.events(consumer).events
            #expect(events.last?.shape == "detached delete")
            #expect(
                events.dropLast().map(\.shape) == [
                    "invalidate @\(consumer.offset) +\(2 * Self.page - consumer.offset) delete"
                ])
            #expect(try await tenant.consumer(consumer.id).state == "detached")
        }
        #expect(try await tenant.usage().consumers == 0)
        #expect(try await tenant.client.get(file.path + "/consumers").status == 404)
    }

    @Test func anotherTenantsConsumerIs404OnEveryRoute() async throws {
        let owner = try await SharedGmemd.consumers.newTenant()
        let other = try await SharedGmemd.consumers.newTenant()
        let file = try await owner.createFile(size: Self.page)
        let consumer = try await owner.attach(file)

        #expect(try await other.client.get(consumer.path).status == 404)
        #expect(try await other.client.delete(consumer.path).status == 404)
        #expect(try await other.client.get(consumer.path + "/events").status == 404)
        #expect(try await other.client.get(consumer.path + "/pins").status == 404)
        #expect(
            try await other.pinReply(consumer, offset: 0, length: Self.page, allocate: true).status == 404)
        #expect(try await other.attachReply(file).status == 404)
        #expect(try await other.client.get(file.path + "/dirty").status == 404)
        #expect(try await owner.consumer(consumer.id).state == "attached")
    }

    @Test func malformedConsumerIdIs404() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()

        #expect(try await tenant.client.get("/v1/consumers/con_nope").status == 404)
        #expect(try await tenant.client.get("/v1/consumers/file_0000/events").status == 404)
    }
}
