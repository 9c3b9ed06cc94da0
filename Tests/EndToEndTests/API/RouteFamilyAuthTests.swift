import Foundation
import TestSupport
import Testing

/// design.md §2 and §3 over the route families beyond files and tenants — consumers, events,
/// pins, the dirty log and VMs: no token is 401, the admin token on a tenant's route is 403,
/// another tenant's ids are 404, and none of them changes anything the owner can see.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RouteFamilyAuthTests {
    /// An owner's file with a consumer holding a pin, events and a dirty page, and a second tenant.
    struct Owned {
        let owner: Tenant
        let intruder: Tenant
        let file: RemoteFile
        let ids: [String: String]

        static func make() async throws -> Owned {
            let owner = try await Gmemd.api.newTenant()
            let file = try await owner.createFile(size: 4 << 12)
            let consumer = try await owner.attach(file)
            let pin = try await owner.pin(consumer, offset: 0, length: 4096, allocate: true)
            _ = try await owner.fallocate(file, "punch_hole", offset: 8192, length: 4096)
            // A dirty log with something in it, so that an intruder's ?clear=true would show.
            try await owner.write(Data([1, 2, 3]), to: file, at: 12288)
            return Owned(
                owner: owner, intruder: try await Gmemd.api.newTenant(), file: file,
                ids: ["cid": consumer.id, "pid": pin.id])
        }

        /// What the owner sees of the file and everything hanging off it.
        func view() async throws -> [String] {
            let consumer = "/v1/consumers/\(ids["cid"]!)"
            var seen: [String] = []
            for path in [
                file.path, file.path + "/consumers", consumer, consumer + "/pins",
                consumer + "/events?after=0",
                file.path + "/dirty", "/v1/usage",
            ] {
                seen.append(try await owner.client.get(path).expecting(200, "GET \(path)").text)
            }
            return seen
        }
    }

    @Test(arguments: Route.consumer)
    func anotherTenantsIdsAre404AndChangeNothing(route: Route) async throws {
        let owned = try await Owned.make()
        let before = try await owned.view()

        let reply = try await route.send(as: owned.intruder.client, file: owned.file.id, ids: owned.ids)

        #expect(reply.status == 404, "\(reply.text)")
        #expect(reply.problem?.status == 404)
        #expect(try await owned.view() == before)
        #expect(
            try await owned.intruder.usage()
                == Usage(allocatedBytes: 0, lockedBytes: 0, files: 0, consumers: 0))
    }

    @Test(arguments: Route.consumer)
    func adminTokenIs403AndChangesNothing(route: Route) async throws {
        let owned = try await Owned.make()
        let before = try await owned.view()

        let reply = try await route.send(
            as: try Admin(try await Gmemd.api.running()).client, file: owned.file.id, ids: owned.ids)

        #expect(reply.status == 403, "\(reply.text)")
        #expect(reply.problem?.status == 403)
        #expect(try await owned.view() == before)
    }

    @Test(arguments: Route.consumer)
    func noTokenIs401AndChangesNothing(route: Route) async throws {
        let owned = try await Owned.make()
        let before = try await owned.view()
        let anonymous = APIClient(gmemd: try await Gmemd.api.running(), token: nil)

        let reply = try await route.send(as: anonymous, file: owned.file.id, ids: owned.ids)

        #expect(reply.status == 401, "\(reply.text)")
        #expect(reply.problem?.status == 401)
        #expect(try await owned.view() == before)
    }

    /// The VM routes, each refused three ways: without a token, with the admin's, and (for a VM
    /// id) as another tenant. The VM and its listing stay as they were.
    @Test(.needsKVM, arguments: Route.vm)
    func vmRoutesRefuseNoTokenTheAdminAndAnotherTenant(route: Route) async throws {
        let gmemd = try await Gmemd.kvm.running()
        let owner = try await Gmemd.kvm.newTenant()
        let intruder = try await Gmemd.kvm.newTenant()
        let vm = try await owner.createVM(name: "owned")
        let ids = ["vmid": vm.id]
        let before = try await owner.client.get("/v1/vms").expecting(200, "list VMs").text

        let anonymous = try await route.send(as: APIClient(gmemd: gmemd, token: nil), ids: ids)
        let admin = try await route.send(as: try Admin(gmemd).client, ids: ids)
        let another = try await route.send(as: intruder.client, ids: ids)

        #expect(anonymous.status == 401, "\(anonymous.text)")
        #expect(admin.status == 403, "\(admin.text)")
        if route.path.contains("{vmid}") { #expect(another.status == 404, "\(another.text)") }
        #expect(try await owner.client.get("/v1/vms").expecting(200, "list VMs").text == before)
    }
}
