import Foundation
import TestSupport
import Testing

/// `/v1/health` reports KVM as gmemd found it at start: what KVM_CHECK_EXTENSION answered, not
/// whether /dev/kvm opened.
@Suite(.timeLimit(.scaledMinutes(10)))
struct KVMHealthTests {
    @Test(.needsKVM) func healthReportsKVMGuestMemfdItsFlagsAndMemslots() async throws {
        let gmemd = try await Gmemd.kvm.running()
        let guestMemfd = HostSupport.features.absence(of: .guestMemfd)

        let health = try await gmemd.get("/v1/health").expecting(200, "health").decoded(Health.self)

        #expect(health.kvm.available && health.kvm.reason == nil && (health.kvm.maxMemslots ?? 0) > 0)
        #expect(Set(health.kvm.guestMemfdFlags ?? []).isSubset(of: ["mmap", "init_shared"]))
        #expect(health.backends.guestMemfd.available == (guestMemfd == nil))
        #expect(health.backends.guestMemfd.reason == guestMemfd?.reason)
        #expect(
            health.kvm.guestMemfd == true || health.backends.guestMemfd.reason?.contains("KVM_CAP_") == true)
    }
}

/// The parts of `/v1/health` about KVM.
struct Health: Decodable {
    var backends: Backends
    var kvm: KVM

    struct Backends: Decodable {
        var memfd: Feature
        var guestMemfd: Feature
    }

    struct Feature: Decodable {
        var available: Bool
        var reason: String?
        var disabledByOperator: Bool?
    }

    struct KVM: Decodable {
        var available: Bool
        var reason: String?
        var errno: String?
        var guestMemfd: Bool?
        var guestMemfdFlags: [String]?
        var maxMemslots: Int?
    }
}
