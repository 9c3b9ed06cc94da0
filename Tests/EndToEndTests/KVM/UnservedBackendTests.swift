import Foundation
import TestSupport
import Testing

/// A backend this gmemd does not serve — turned off with `--backends`, on any host, or missing
/// from the host's KVM — is refused with 422 naming what is missing and why, before any syscall,
/// and nothing is created. `--backends memfd` runs the no-guest_memfd path on every host, also
/// on those that have guest_memfd.
@Suite(.timeLimit(.scaledMinutes(10)))
struct UnservedBackendTests {
    static let memfdOnly = SharedGmemd(flags: ["--backends", "memfd"])
    static let guestMemfdOnly = SharedGmemd(flags: ["--backends", "guest_memfd"])
    static let unknownVM = "vm_00000000000000000000000000"

    @Test func healthShowsABackendTheOperatorTurnedOff() async throws {
        let health = try await Self.memfdOnly.running().get("/v1/health").expecting(200, "health")
            .decoded(Health.self)

        #expect(health.backends.memfd.available)
        #expect(
            !health.backends.guestMemfd.available && health.backends.guestMemfd.disabledByOperator == true)
        #expect(
            health.backends.guestMemfd.reason == "backend guest_memfd is turned off by this gmemd's operator")
    }

    @Test func startupLogSaysWhatIsServedAndWhatIsNotAndWhy() async throws {
        let log = try await Self.memfdOnly.running().log.contents

        #expect(log.contains("serving: backend memfd"), "\(log)")
        #expect(
            log.contains(
                "not serving backend guest_memfd, guest_memfd flag mmap, guest_memfd flag init_shared "
                    + "(422 EOPNOTSUPP): backend guest_memfd is turned off by this gmemd's operator"),
            "\(log)")
    }

    @Test func guestMemfdTurnedOffIs422EOPNOTSUPPSayingSoAndMemfdsWork() async throws {
        let tenant = try await Self.memfdOnly.newTenant()

        let refused = try await tenant.postGuestMemfd(vm: Self.unknownVM, size: HostKVM.page)
        let mappable = try await tenant.postGuestMemfd(
            vm: Self.unknownVM, size: HostKVM.page, flags: ["mmap": true, "init_shared": true])
        let memfd = try await tenant.createFile(size: HostKVM.page)

        for reply in [refused, mappable] {
            reply.expectProblem(422, "EOPNOTSUPP")
            #expect(
                reply.problem?.detail.contains("backend guest_memfd is turned off") == true, "\(reply.text)")
        }
        #expect(memfd.size == HostKVM.page)
        #expect(try await tenant.kvmUsage().files == 1)
    }

    @Test func memfdTurnedOffIs422EOPNOTSUPPAndCreatesNothing() async throws {
        let tenant = try await Self.guestMemfdOnly.newTenant()

        let reply = try await tenant.client.post("/v1/files", json: ["name": "ram", "size": 4096])

        reply.expectProblem(422, "EOPNOTSUPP")
        #expect(reply.problem?.detail == "backend memfd is turned off by this gmemd's operator")
        #expect(try await tenant.kvmUsage().files == 0)
    }

    @Test(.needsKVM, .lacks(.guestMemfd))
    func guestMemfdThisHostsKVMLacksIs422NamingTheCapabilityAndVMsStillWork() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()

        let plain = try await tenant.postGuestMemfd(vm: vm.id, size: HostKVM.page)
        let mappable = try await tenant.postGuestMemfd(
            vm: vm.id, size: HostKVM.page, flags: ["mmap": true, "init_shared": true])

        for reply in [plain, mappable] {
            reply.expectProblem(422, "EOPNOTSUPP")
            #expect(reply.problem?.detail.contains("KVM_CAP_GUEST_MEMFD") == true, "\(reply.text)")
        }
        #expect(try await tenant.vm(vm.id).files.isEmpty)
        #expect(try await tenant.kvmUsage() == KVMUsage(allocatedBytes: 0, lockedBytes: 0, files: 0, vms: 1))
    }

    @Test(.needsGuestMemfd, .lacks(.guestMemfdMmap))
    func guestMemfdFlagThisHostsKVMLacksIs422NamingTheFlag() async throws {
        let tenant = try await Gmemd.kvm.newTenant()
        let vm = try await tenant.createVM()

        let reply = try await tenant.postGuestMemfd(
            vm: vm.id, size: HostKVM.page, flags: ["mmap": true, "init_shared": true])

        reply.expectProblem(422, "EOPNOTSUPP")
        #expect(reply.problem?.detail.contains("guest_memfd flag mmap") == true, "\(reply.text)")
        #expect(try await tenant.vm(vm.id).files.isEmpty)
    }

    @Test(arguments: [["--backends", "ram"], ["--backends", ""], ["--backends", "memfd,"]])
    func backendsFlagThatNamesNoBackendIsRefusedAtStart(flags: [String]) async throws {
        let result = try await Subprocess.run(
            try GmemdBinary.url().path, flags + ["--state-dir", "/tmp/gmemd-never"])

        #expect(result.status == Termination(exitedNormally: true, status: 64), "\(result.stderr)")
    }
}
