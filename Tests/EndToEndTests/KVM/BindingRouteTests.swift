import Foundation
import TestSupport
import Testing

/// kvm consumers bound for real, end to end: attaching one with `vm` and `gpa` binds a memslot
/// (KVM_SET_USER_MEMORY_REGION2) and the kernel's refusals come back with their errno
/// (kernel-semantics.md §1m); detaching deletes the slot.
@Suite(.timeLimit(.scaledMinutes(10)))
struct BindingRouteTests {
    static let mebibyte: Int64 = 1 << 20

    /// A new tenant with a VM and a 4 MiB guest_memfd on it.
    static func setup() async throws -> (Tenant, RemoteVM, RemoteFile) {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()
        return (tenant, vm, try await tenant.createGuestMemfd(vm: vm.id, size: 4 * mebibyte))
    }

    @Test(.needsGuestMemfd) func boundConsumerShowsItsSlotAndTheVMListsIt() async throws {
        let (tenant, vm, file) = try await Self.setup()

        let reply = try await tenant.bind(file, vm: vm.id, gpa: Self.mebibyte, length: Self.mebibyte)
        let consumer = try reply.expecting(201, "bind").decoded(BoundConsumer.self)
        let listed = try await tenant.vm(vm.id).memslots

        #expect(consumer.kind == "kvm")
        #expect(consumer.binding == .init(vm: vm.id, slot: 0, gpa: Self.mebibyte, size: Self.mebibyte))
        #expect(listed.map(\.slot) == [0] && listed.first?.gpa == Self.mebibyte)
        #expect(listed.first?.backing == "guest_memfd")
    }

    @Test(.needsGuestMemfd) func secondConsumerOverOverlappingGuestMemfdPagesIsTheKernelsEINVAL() async throws
    {
        let (tenant, vm, file) = try await Self.setup()
        _ = try await tenant.bind(file, vm: vm.id, gpa: 0, length: Self.mebibyte).expecting(201, "first")

        let second = try await tenant.bind(
            file, vm: vm.id, gpa: 8 * Self.mebibyte, offset: Self.mebibyte / 2, length: Self.mebibyte)

        second.expectProblem(422, "EINVAL")
        #expect(try await tenant.vm(vm.id).memslots.count == 1)
        #expect(
            try await tenant.client.get(file.path + "/consumers").decoded(ItemList<BoundConsumer>.self).items
                .count == 1)
    }

    @Test(.needsGuestMemfd) func guestAddressesAnotherSlotHoldsAreTheKernelsEEXIST() async throws {
        let (tenant, vm, file) = try await Self.setup()
        _ = try await tenant.bind(file, vm: vm.id, gpa: 0, length: Self.mebibyte).expecting(201, "first")

        let second = try await tenant.bind(
            file, vm: vm.id, gpa: Self.mebibyte / 2, offset: 2 * Self.mebibyte, length: Self.mebibyte)

        second.expectProblem(409, "EEXIST")
    }

    @Test(.needsGuestMemfd) func fileOfVMABoundInVMBIsTheKernelsEINVAL() async throws {
        let (tenant, _, file) = try await Self.setup()
        let other = try await tenant.createVM()

        let reply = try await tenant.bind(file, vm: other.id, gpa: 0, length: Self.mebibyte)

        reply.expectProblem(422, "EINVAL")
        #expect(try await tenant.vm(other.id).memslots.isEmpty)
    }

    @Test(.needsGuestMemfd) func detachDeletesTheSlotAndTheSameRangeBindsAgain() async throws {
        let (tenant, vm, file) = try await Self.setup()
        let first = try await tenant.bind(file, vm: vm.id, gpa: 0, length: Self.mebibyte)
            .expecting(201, "first").decoded(BoundConsumer.self)

        _ = try await tenant.client.delete("/v1/consumers/\(first.id)").expecting(204, "detach")
        let emptied = try await tenant.vm(vm.id).memslots
        let again = try await tenant.bind(file, vm: vm.id, gpa: 0, length: Self.mebibyte)

        #expect(emptied.isEmpty)
        #expect(again.status == 201, "\(again.text)")
        #expect(try again.decoded(BoundConsumer.self).binding?.slot == 0)
    }

    @Test(.needsGuestMemfd) func boundConsumerHearsTheInvalidateOfAPunch() async throws {
        let (tenant, vm, file) = try await Self.setup()
        let consumer = try await tenant.bind(file, vm: vm.id, gpa: 0, length: Self.mebibyte)
            .expecting(201, "bind").decoded(BoundConsumer.self)
        _ = try await tenant.fallocate(file, "allocate", offset: 0, length: Self.mebibyte, keepSize: true)
            .expecting(200, "allocate")
        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: 4096).expecting(200, "punch")

        let page = try await tenant.client.get("/v1/consumers/\(consumer.id)/events?after=0")
            .expecting(200, "events").decoded(EventPage.self)

        #expect(
            page.events.map(\.shape) == ["allocate @0 +\(Self.mebibyte)", "invalidate @0 +4096 punch_hole"])
    }

    @Test(.needsKVM) func vmWithABindingNeedsCascadeWhichDetachesTheConsumer() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()
        let memfd = try await tenant.createFile(size: Self.mebibyte)
        let consumer = try await tenant.bind(memfd, vm: vm.id, gpa: 0)
            .expecting(201, "bind a memfd").decoded(BoundConsumer.self)

        let busy = try await tenant.client.delete(vm.path)
        let cascaded = try await tenant.client.delete(vm.path + "?cascade=true")
        let after = try await tenant.client.get("/v1/consumers/\(consumer.id)").decoded(BoundConsumer.self)

        busy.expectProblem(409, "EBUSY")
        #expect(cascaded.status == 204, "\(cascaded.text)")
        #expect(after.state == "detached" && after.binding == nil)
    }

    @Test(.needsGuestMemfd) func vmWithoutGpaOrForAnotherKindIs422() async throws {
        let (tenant, vm, file) = try await Self.setup()

        let noGpa = try await tenant.client.post(
            file.path + "/consumers", json: ["kind": "kvm", "vm": vm.id])
        let vfio = try await tenant.client.post(
            file.path + "/consumers", json: ["kind": "vfio", "vm": vm.id, "gpa": 0])

        noGpa.expectProblem(422, "EINVAL")
        vfio.expectProblem(422, "EINVAL")
    }
}

/// A consumer with its binding, as the consumer routes show it.
struct BoundConsumer: Decodable, Sendable {
    var id: String
    var kind: String
    var state: String
    var binding: Binding?

    struct Binding: Decodable, Equatable, Sendable {
        var vm: String
        var slot: Int
        var gpa: Int64
        var size: Int64
    }
}

extension Tenant {
    /// `POST /v1/files/{fid}/consumers` for a kvm consumer bound at `gpa` in `vm`.
    func bind(_ file: RemoteFile, vm: String, gpa: Int64, offset: Int64 = 0, length: Int64? = nil)
        async throws -> HTTPReply
    {
        var body: [String: any Sendable] = ["kind": "kvm", "vm": vm, "gpa": gpa, "offset": offset]
        body["length"] = length
        return try await client.post(file.path + "/consumers", json: body)
    }
}

/// A memslot costs the kernel memory whether or not its pages are allocated (10 bytes per 4 KiB
/// page: 2.5 MiB per GiB); it counts as the tenant's locked bytes while bound.
@Suite(.timeLimit(.scaledMinutes(10)))
struct MemslotChargeTests {
    static let gibibyte: Int64 = 1 << 30

    @Test(.needsKVM) func a512GiBBindingOfASparseMemfdIsRefusedAndA1GiBOneIsChargedUntilDetached()
        async throws
    {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()
        let memfd = try await tenant.createFile(size: 512 * Self.gibibyte)

        let huge = try await tenant.bind(memfd, vm: vm.id, gpa: 0, length: 512 * Self.gibibyte)
        let small = try await tenant.bind(memfd, vm: vm.id, gpa: 0, length: Self.gibibyte)
            .expecting(201, "bind 1 GiB").decoded(BoundConsumer.self)
        let charged = try await tenant.kvmUsage()
        _ = try await tenant.client.delete("/v1/consumers/\(small.id)").expecting(204, "detach")
        let after = try await tenant.kvmUsage()

        huge.expectProblem(403, "EDQUOT")
        #expect(huge.problemKind == "quota")
        #expect(charged.lockedBytes == 10 * (Self.gibibyte / 4096), "2.5 MiB for 1 GiB")
        #expect(charged.allocatedBytes == 0)
        #expect(after.lockedBytes == 0)
        #expect(try await tenant.vm(vm.id).memslots.isEmpty)
    }
}
