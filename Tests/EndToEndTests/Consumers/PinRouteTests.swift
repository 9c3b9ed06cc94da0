import Foundation
import TestSupport
import Testing

/// `/v1/consumers/{cid}/pins` end to end: get_lock_pfn with and without allocate, put_unlock_pfn,
/// revocation by punch, shrink and delete (410 afterwards), locked-byte accounting.
@Suite(.timeLimit(.scaledMinutes(10)))
struct PinRouteTests {
    static let page: Int64 = 4096

    @Test func pinWithoutAllocateOverAHoleIs409ENOENTAndChangesNothing() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4 * Self.page)
        let consumer = try await tenant.attach(file)

        let reply = try await tenant.pinReply(consumer, offset: 0, length: 2 * Self.page)

        #expect(reply.status == 409)
        #expect(reply.problem?.errno == "ENOENT")
        #expect(try await tenant.file(file.id).allocatedBytes == 0)
        #expect(try await tenant.usage().lockedBytes == 0)
        #expect(try await tenant.events(consumer).events.isEmpty)
    }

    @Test func pinWithAllocateAllocatesAndAnswersThePagesWithTheirOrder() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4 * Self.page)
        let consumer = try await tenant.attach(file)

        let reply = try await tenant.pinReply(
            consumer, offset: Self.page, length: 2 * Self.page, allocate: true)

        #expect(reply.status == 201)
        let pin = try reply.decoded(RemotePin.self)
        #expect(reply.header("Location") == pin.path)
        #expect(pin.id.hasPrefix("pin_") && pin.state == "live")
        #expect(pin.extents == [RemotePin.Extent(offset: Self.page, length: 2 * Self.page, order: 0)])
        #expect(try await tenant.file(file.id).allocatedBytes == 2 * Self.page)
        #expect(try await tenant.usage().lockedBytes == 2 * Self.page)
        #expect(try await tenant.events(consumer).events.map(\.shape) == ["allocate @4096 +8192"])
        #expect(try await tenant.consumer(consumer.id).pins == 1)
    }

    @Test func pinOfAllocatedPagesNeedsNoAllocate() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4 * Self.page)
        _ = try await tenant.fallocate(file, "allocate", offset: 0, length: 4 * Self.page).expecting(
            200, "allocate")
        let consumer = try await tenant.attach(file)

        let pin = try await tenant.pin(consumer, offset: 0, length: 4 * Self.page)

        #expect(pin.extents.map(\.order) == [0])
    }

    @Test func unpinAnswers204GivesTheLockedBytesBackAndMarksThePagesDirty() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 8 * Self.page)
        let consumer = try await tenant.attach(file)
        let pin = try await tenant.pin(consumer, offset: 2 * Self.page, length: 3 * Self.page, allocate: true)

        _ = try await tenant.client.delete(pin.path).expecting(204, "unpin")

        #expect(try await tenant.usage().lockedBytes == 0)
        #expect(
            try await tenant.dirtyLog(file).ranges == [.init(offset: 2 * Self.page, length: 3 * Self.page)])
        #expect(try await tenant.client.delete(pin.path).status == 404)
    }

    @Test(arguments: [0, 4096, 8190] as [Int64])
    func punchOverlappingAPinRevokesItBeforeAnsweringAndUnpinIs410(offset: Int64) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 8 * Self.page)
        let consumer = try await tenant.attach(file)
        let hit = try await tenant.pin(consumer, offset: 0, length: 2 * Self.page, allocate: true)
        let kept = try await tenant.pin(consumer, offset: 4 * Self.page, length: Self.page, allocate: true)

        _ = try await tenant.fallocate(file, "punch_hole", offset: offset, length: 10).expecting(200, "punch")

        #expect(try await tenant.pin(hit).state == "revoked")
        #expect(try await tenant.pin(kept).state == "live")
        #expect(try await tenant.usage().lockedBytes == Self.page)
        let reply = try await tenant.client.delete(hit.path)
        #expect(reply.status == 410)
        #expect(reply.problem?.status == 410)
        #expect(try await tenant.dirtyLog(file).ranges.isEmpty)
    }

    @Test func shrinkRevokesThePinsPastTheNewEnd() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 8 * Self.page)
        let consumer = try await tenant.attach(file)
        let low = try await tenant.pin(consumer, offset: 0, length: Self.page, allocate: true)
        let high = try await tenant.pin(
            consumer, offset: 6 * Self.page, length: 2 * Self.page, allocate: true)

        _ = try await tenant.resize(file, to: 7 * Self.page).expecting(200, "shrink")

        #expect(try await tenant.pin(low).state == "live")
        #expect(try await tenant.pin(high).state == "revoked")
        #expect(try await tenant.client.delete(high.path).status == 410)
    }

    @Test func deletingTheFileRevokesEveryPin() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 2 * Self.page)
        let consumer = try await tenant.attach(file)
        let pin = try await tenant.pin(consumer, offset: 0, length: Self.page, allocate: true)

        _ = try await tenant.client.delete(file.path).expecting(204, "delete the file")

        #expect(try await tenant.pin(pin).state == "revoked")
        #expect(try await tenant.client.delete(pin.path).status == 410)
        #expect(try await tenant.usage().lockedBytes == 0)
    }

    @Test func detachReleasesThePinsAndADetachedConsumerCannotPin() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 2 * Self.page)
        let consumer = try await tenant.attach(file)
        let pin = try await tenant.pin(consumer, offset: 0, length: Self.page, allocate: true)

        try await tenant.detach(consumer)

        #expect(try await tenant.pin(pin).state == "released")
        #expect(try await tenant.client.delete(pin.path).status == 410)
        #expect(try await tenant.dirtyLog(file).ranges == [.init(offset: 0, length: Self.page)])
        let refused = try await tenant.pinReply(consumer, offset: 0, length: Self.page)
        #expect(refused.status == 409)
        #expect(refused.problem?.errno == "ENODEV")
    }

    @Test func pinPastMaxLockedBytesIs403EDQUOTAndAllocatesNothing() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant(limits: ["max_locked_bytes": 2 * Self.page])
        let file = try await tenant.createFile(size: 4 * Self.page)
        let consumer = try await tenant.attach(file)

        let reply = try await tenant.pinReply(consumer, offset: 0, length: 3 * Self.page, allocate: true)

        #expect(reply.status == 403)
        #expect(reply.problem?.errno == "EDQUOT")
        #expect(reply.problemKind == "quota")
        #expect(try await tenant.file(file.id).allocatedBytes == 0)
    }

    @Test(
        arguments: [(100, 4096), (0, 100), (0, 5 * 4096), (4 * 4096, 4096), (-4096, 4096), (0, 0)]
            as [(Int64, Int64)])
    func pinOutsideWholePagesOfTheConsumerAndTheFileIs422(offset: Int64, length: Int64) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4 * Self.page)
        let consumer = try await tenant.attach(file, offset: 0, length: 3 * Self.page)

        let reply = try await tenant.pinReply(consumer, offset: offset, length: length, allocate: true)

        #expect(reply.status == 422, "\(reply.text)")
        #expect(try await tenant.file(file.id).allocatedBytes == 0)
    }

    @Test func listingShowsLivePinsThenTheOnesThatWent() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4 * Self.page)
        let consumer = try await tenant.attach(file)
        let gone = try await tenant.pin(consumer, offset: 0, length: Self.page, allocate: true)
        let live = try await tenant.pin(consumer, offset: 2 * Self.page, length: Self.page, allocate: true)
        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page).expecting(
            200, "punch")

        let list = try await tenant.client.get(consumer.path + "/pins").expecting(200, "pins")
            .decoded(ItemList<RemotePin>.self)

        #expect(list.items.map(\.id) == [live.id, gone.id])
        #expect(list.items.map(\.state) == ["live", "revoked"])
    }
}
