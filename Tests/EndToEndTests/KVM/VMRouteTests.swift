import Foundation
import TestSupport
import Testing

/// `/v1/vms` end to end: real KVM VMs held by gmemd for a tenant.
@Suite(.timeLimit(.scaledMinutes(10)))
struct VMRouteTests {
    @Test(.needsKVM) func createdVMIsListedFetchedAndCounted() async throws {
        let tenant = try await Gmemd.kvm.newTenant()

        let reply = try await tenant.client.post("/v1/vms", json: ["name": "guest-a"])
        let vm = try reply.expecting(201, "create").decoded(RemoteVM.self)
        let listed = try await tenant.client.get("/v1/vms").expecting(200, "list").decoded(VMPage.self)

        #expect(reply.header("Location") == vm.path)
        #expect(vm.id.hasPrefix("vm_") && vm.name == "guest-a" && vm.files.isEmpty && vm.memslots.isEmpty)
        #expect(vm.maxMemslots > 0)
        #expect(listed.items.map(\.id) == [vm.id])
        #expect(try await tenant.vm(vm.id).id == vm.id)
        #expect(try await tenant.kvmUsage().vms == 1)
    }

    @Test(.needsKVM) func vmWithoutABodyHasNoName() async throws {
        let tenant = try await Gmemd.kvm.newTenant()

        let reply = try await tenant.client.send("POST", "/v1/vms")

        #expect(reply.status == 201, "\(reply.text)")
        #expect(try reply.decoded(RemoteVM.self).name == nil)
    }

    @Test(.needsKVM) func vmOverMaxVMsIs403EDQUOT() async throws {
        let tenant = try await Gmemd.kvm.newTenant(limits: ["max_vms": 1])
        _ = try await tenant.createVM()

        let reply = try await tenant.client.post("/v1/vms", json: [:])

        reply.expectProblem(403, "EDQUOT")
        #expect(reply.problemKind == "quota")
        #expect(try await tenant.kvmUsage().vms == 1)
    }

    @Test(.needsGuestMemfd) func deletingAVMWithAGuestMemfdFileIs409EBUSYAndKeepsBoth() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)

        let reply = try await tenant.client.delete(vm.path)

        reply.expectProblem(409, "EBUSY")
        #expect(try await tenant.vm(vm.id).files == [file.id])
        #expect(try await tenant.file(file.id).id == file.id)
    }

    @Test(.needsGuestMemfd) func cascadingDeleteRemovesTheVMItsFilesAndTheirUsage() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()
        let file = try await tenant.createGuestMemfd(vm: vm.id)
        _ = try await tenant.fallocate(file, "allocate", offset: 0, length: 4 * HostKVM.page, keepSize: true)
            .expecting(200, "allocate")

        let reply = try await tenant.client.delete(vm.path + "?cascade=true")

        #expect(reply.status == 204, "\(reply.text)")
        #expect(try await tenant.client.get(vm.path).status == 404)
        #expect(try await tenant.client.get(file.path).status == 404)
        #expect(try await tenant.kvmUsage() == KVMUsage(allocatedBytes: 0, lockedBytes: 0, files: 0, vms: 0))
    }

    @Test(.needsKVM) func emptyVMIsDeletedWithoutCascade() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()

        #expect(try await tenant.client.delete(vm.path).status == 204)
        #expect(try await tenant.client.delete(vm.path).status == 404)
    }

    @Test(.needsGuestMemfd) func anotherTenantsVMIs404ForEveryRouteAnd422AsAFilesVM() async throws {
        let owner = try await Gmemd.kvm.newTenant()
        let other = try await Gmemd.kvm.newTenant()
        let vm = try await owner.createVM()

        #expect(try await other.client.get(vm.path).status == 404)
        #expect(try await other.client.delete(vm.path + "?cascade=true").status == 404)
        let named = try await other.postGuestMemfd(vm: vm.id, size: HostKVM.page)
        named.expectProblem(422, nil)
        #expect(named.problemKind == "unknown-reference")
        #expect(try await other.client.get("/v1/vms").decoded(VMPage.self).items.isEmpty)
        #expect(try await owner.vm(vm.id).id == vm.id)
    }

    @Test(
        .needsKVM, arguments: ["vm_nope", "file_00000000000000000000000000", "vm_00000000000000000000000000"])
    func unknownOrMalformedVMIDIs404(id: String) async throws {
        let tenant = try await Gmemd.kvm.newTenant()

        #expect(try await tenant.client.get("/v1/vms/\(id)").status == 404)
    }

    @Test(.needsKVM) func cascadeThatIsNotABooleanIs422() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()

        try await tenant.client.delete(vm.path + "?cascade=yes").expectProblem(422, "EINVAL")
    }
}

/// `GET /v1/vms`.
struct VMPage: Decodable {
    var items: [RemoteVM]
    var nextCursor: String?
}
