import Glibc
import SystemPackage
import TestSupport
import Testing

@testable import GuestMem

/// Opening /dev/kvm and probing it (kernel-semantics.md §1h).
@Suite(.timeLimit(.scaledMinutes(10)))
struct KVMHostTests {
    @Test(.needsKVM) func openedDeviceReportsTheCapabilitiesGmemdRelies() throws {
        let host = try KVMHost()
        let capabilities = host.capabilities

        #expect(capabilities.apiVersion == 12)
        #expect(capabilities.maxMemslots > 0)
        #expect(capabilities.vmTypes.contains(0))
    }

    @Test(.needsKVM) func guestMemfdFlagsAreReportedAsTheKernelListsThem() throws {
        let capabilities = try KVMHost().capabilities

        // KVM_CAP_GUEST_MEMFD_FLAGS lists MMAP and INIT_SHARED together (Linux 6.18) or neither,
        // and none where there is no guest_memfd (kernel-semantics.md, "Hosts differ").
        #expect(capabilities.guestMemfdSupportsMmap == capabilities.guestMemfdSupportsInitShared)
        #expect(capabilities.hasGuestMemfd || !capabilities.guestMemfdSupportsMmap)
    }

    @Test func missingDeviceIsReportedAsMissingWithENODEV() {
        let error = #expect(throws: KVMUnavailable.self) { _ = try KVMHost(devicePath: "/nonexistent/kvm") }

        #expect(error == .missingDevice("/nonexistent/kvm"))
        #expect(error?.errno == .operationNotSupportedByDevice)
        #expect(error?.reason == "/nonexistent/kvm does not exist")
    }

    @Test func deviceThatIsNotKVMIsReportedWithTheIoctlsErrno() {
        let error = #expect(throws: KVMUnavailable.self) { _ = try KVMHost(devicePath: "/dev/null") }

        #expect(error == .notKVM("/dev/null", .inappropriateIOCTLForDevice))
        #expect(error?.errno == .operationNotSupportedByDevice)
    }

    @Test(.needsKVM) func createdVMHasNoMemslotsAndTheHostsSlotLimit() throws {
        let host = try KVMHost()
        let vm = try host.createVM()

        #expect(vm.memslots.isEmpty)
        #expect(vm.maxMemslots == host.capabilities.maxMemslots)
    }

    @Test(.needsGuestMemfd) func everyKVMFdGmemdHoldsIsCloseOnExec() throws {
        let host = try KVMHost()
        let vm = try host.createVM()
        let file = try GuestMemfd(in: vm, size: KVMTest.page, flags: .none)

        // The kernel creates a guest_memfd without FD_CLOEXEC (kernel-semantics.md C11).
        for fd in [host.fd, vm.fd, file.fd] {
            #expect(fcntl(fd.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        }
    }

    @Test(.needsGuestMemfd) func vmOutlivesTheHostFdItWasCreatedFrom() throws {
        let host = try KVMHost()
        let vm = try host.createVM()
        host.close()

        let file = try GuestMemfd(in: vm, size: KVMTest.page, flags: .none)
        #expect(file.size == KVMTest.page)
    }
}
