import Foundation
import TestSupport
import Testing

/// Rules gmemd keeps because the kernel keeps them (issue 9, item 5): a seal refused while pages
/// are mapped, bound or pinned, a read that allocates nothing, no dirty log where KVM has none.
@Suite(.timeLimit(.scaledMinutes(10)))
struct KernelFidelityTests {
    static let page = HostKVM.page

    @Test(.needsKVM) func inaccessibleSealOnAnEmptyMemfdBoundAsAMemslotIs409EBUSYUntilItIsDetached()
        async throws
    {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()
        let file = try await tenant.createFile(size: 0)
        // A 0-byte file maps fine (kernel-semantics.md F17): the slot would see the pages a
        // later grow and allocate make, so the seal must wait for the binding to go.
        let bound = try await tenant.bind(file, vm: vm.id, gpa: 0, length: Self.page)
            .expecting(201, "bind the empty memfd").decoded(BoundConsumer.self)

        let refused = try await tenant.client.post(file.path + "/seals", json: ["seals": ["inaccessible"]])
        let unchanged = try await tenant.file(file.id)
        _ = try await tenant.client.delete("/v1/consumers/\(bound.id)").expecting(204, "detach")
        let sealed = try await tenant.addSeals(["inaccessible"], to: file)

        refused.expectProblem(409, "EBUSY")
        #expect(refused.problem?.detail.contains(bound.id) == true, "\(refused.text)")
        #expect(unchanged == file)
        #expect(sealed.contains("inaccessible"))
    }

    @Test(arguments: ["write", "future_write"])
    func writeSealWhilePinsAreLiveIs409EBUSYAndAfterTheUnpinItGoesOn(seal: String) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 2 * Self.page)
        let consumer = try await tenant.attach(file, kind: "rdma")
        let pin = try await tenant.pin(consumer, offset: 0, length: Self.page, allocate: true)
        let pinned = try await tenant.file(file.id)

        let refused = try await tenant.client.post(file.path + "/seals", json: ["seals": [seal]])
        let unchanged = try await tenant.file(file.id)
        _ = try await tenant.client.delete(pin.path).expecting(204, "unpin")
        let sealed = try await tenant.addSeals([seal], to: file)

        refused.expectProblem(409, "EBUSY")
        #expect(refused.problem?.detail.contains(consumer.id) == true, "\(refused.text)")
        #expect(unchanged == pinned)
        #expect(sealed.contains(seal))
    }

    @Test func sealsThatAreNotWriteSealsGoOnWhilePinsAreLive() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file, kind: "rdma")
        _ = try await tenant.pin(consumer, offset: 0, length: Self.page, allocate: true)

        let sealed = try await tenant.addSeals(["grow", "shrink", "no_new_consumers"], to: file)

        #expect(Set(sealed) == ["grow", "shrink", "no_new_consumers"])
    }

    @Test(.needsGuestMemfdMmap) func readingAGuestMemfdAllocatesNothingAndItsHolesReadAsZeros() async throws {
        let tenant = try await Gmemd.kvm.newTenant(limits: ["max_locked_bytes": Self.page])
        let vm = try await tenant.createVM()
        let file = try await tenant.createGuestMemfd(
            vm: vm.id, size: 4 * Self.page, flags: ["mmap": true, "init_shared": true])
        try await tenant.write(Data([0x5a]), to: file, at: Self.page)
        let written = try await tenant.file(file.id)
        let usage = try await tenant.kvmUsage()

        // Four pages read, three of them holes: over max_locked_bytes had they been faulted in.
        let whole = try await tenant.client.get(file.path + "/content").expecting(200, "read it whole")
        let hole = try await tenant.client.get(
            file.path + "/content", headers: ["Range": "bytes=\(2 * Self.page)-\(2 * Self.page + 7)"]
        )
        .expecting(206, "read a hole")

        var expected = Data(count: Int(4 * Self.page))
        expected[Int(Self.page)] = 0x5a
        #expect(whole.body == expected)
        #expect(hole.body == Data(count: 8))
        #expect(written.allocatedBytes == Self.page)
        #expect(try await tenant.file(file.id) == written)
        #expect(try await tenant.kvmUsage() == usage)
    }

    @Test(.needsGuestMemfd) func dirtyLogOfAGuestMemfdIs422EINVALAsKVMHasNone() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        let reply = try await tenant.client.get(file.path + "/dirty")

        reply.expectProblem(422, "EINVAL")
        #expect(reply.problem?.detail.contains("KVM_MEM_LOG_DIRTY_PAGES") == true, "\(reply.text)")
    }
}
