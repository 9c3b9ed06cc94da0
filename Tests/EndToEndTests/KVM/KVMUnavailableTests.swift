import Foundation
import TestSupport
import Testing

/// gmemd pointed at a KVM device that does not exist (`--kvm-device`): health says why, every
/// KVM request is 422 with that reason, and memfd files work as ever. Needs no KVM at all.
@Suite(.timeLimit(.scaledMinutes(10)))
struct KVMUnavailableTests {
    static let device = "/nonexistent/kvm"
    static let gmemd = SharedGmemd(flags: ["--kvm-device", device])

    @Test func healthSaysKVMIsUnavailableAndWhy() async throws {
        let health = try await Self.gmemd.running().get("/v1/health").expecting(200, "health").decoded(
            Health.self)

        #expect(!health.kvm.available)
        #expect(health.kvm.reason == "\(Self.device) does not exist")
        #expect(health.kvm.errno == "ENODEV")
        #expect(!health.backends.guestMemfd.available)
        #expect(health.backends.guestMemfd.reason?.contains(Self.device) == true)
    }

    @Test func everyVMRouteIs422ENODEVWithTheReason() async throws {
        let tenant = try await Self.gmemd.newTenant()

        let replies = [
            try await tenant.client.post("/v1/vms", json: [:]),
            try await tenant.client.get("/v1/vms"),
            try await tenant.client.get("/v1/vms/vm_00000000000000000000000000"),
            try await tenant.client.delete("/v1/vms/vm_00000000000000000000000000"),
        ]

        for reply in replies {
            reply.expectProblem(422, "ENODEV")
            #expect(reply.problem?.detail.contains(Self.device) == true, "\(reply.text)")
        }
    }

    @Test func guestMemfdFileIs422ENODEVAndMemfdFilesStillWork() async throws {
        let tenant = try await Self.gmemd.newTenant()

        let guest = try await tenant.postGuestMemfd(vm: "vm_00000000000000000000000000", size: HostKVM.page)
        let memfd = try await tenant.createFile(size: HostKVM.page)
        let allocated = try await tenant.fallocate(memfd, "allocate", offset: 0, length: HostKVM.page)

        guest.expectProblem(422, "ENODEV")
        #expect(guest.problem?.detail.contains(Self.device) == true)
        #expect(try RemoteFile(allocated, "allocate").allocatedBytes == HostKVM.page)
    }
}
