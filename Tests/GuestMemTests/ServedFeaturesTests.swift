import SystemPackage
import TestSupport
import Testing

@testable import GuestMem

/// What gmemd serves, decided from KVM's capabilities and the operator's `--backends`, for every
/// kind of host: the answers are values, so hosts this one is not are checked too.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ServedFeaturesTests {
    static func kvm(guestMemfd: Bool = true, userMemory2: Bool = true, flags: Bool = true) -> KVMCapabilities
    {
        KVMCapabilities(
            apiVersion: 12, hasUserMemory2: userMemory2, hasGuestMemfd: guestMemfd,
            guestMemfdSupportsMmap: flags, guestMemfdSupportsInitShared: flags, maxMemslots: 32764,
            vmTypes: [0])
    }

    static let kvmFeatures: [Feature] = [.vms, .guestMemfd, .guestMemfdMmap, .guestMemfdInitShared]

    @Test func hostWithGuestMemfdAndItsFlagsServesEveryKVMFeature() throws {
        let features = ServedFeatures(kvm: .success(Self.kvm()))

        for feature in Self.kvmFeatures + [.memfd] { #expect(features.absence(of: feature) == nil) }
        try features.require(.mappable)
    }

    @Test func kvmWithoutGuestMemfdServesVMsAndRefusesGuestMemfdNamingTheCapability() throws {
        let features = ServedFeatures(kvm: .success(Self.kvm(guestMemfd: false, flags: false)))
        let why = GuestMemError.unsupported(
            "this host's KVM has no guest_memfd: KVM_CHECK_EXTENSION(KVM_CAP_GUEST_MEMFD) is 0",
            errno: .notSupported)

        try features.require(.vms)
        #expect(throws: why) { try features.require(GuestMemfdFlags.none) }
        // A flag is refused for the backend's absence first: that is what the client must fix.
        #expect(throws: why) { try features.require(GuestMemfdFlags.mappable) }
    }

    @Test func guestMemfdWithoutFlagsRefusesOnlyTheFlags() throws {
        let features = ServedFeatures(kvm: .success(Self.kvm(flags: false)))

        try features.require(GuestMemfdFlags.none)
        #expect(
            throws: GuestMemError.unsupported(
                "this host's KVM has no guest_memfd flag mmap: KVM_CAP_GUEST_MEMFD_FLAGS has no "
                    + "GUEST_MEMFD_FLAG_MMAP (Linux 6.18+)", errno: .notSupported)
        ) { try features.require(GuestMemfdFlags(mmap: true, initShared: false)) }
        #expect(features.absence(of: .guestMemfdInitShared)?.errno == .notSupported)
    }

    @Test func guestMemfdWithoutUserMemory2CannotBeBoundSoItIsNotServed() {
        let features = ServedFeatures(kvm: .success(Self.kvm(userMemory2: false)))

        #expect(features.absence(of: .guestMemfd)?.reason.contains("KVM_CAP_USER_MEMORY2") == true)
        #expect(features.absence(of: .vms) == nil)
    }

    @Test func withoutKVMEveryKVMFeatureCarriesTheDevicesReasonAndErrno() {
        let features = ServedFeatures(kvm: .failure(.missingDevice("/nonexistent/kvm")))

        for feature in Self.kvmFeatures {
            #expect(
                features.absence(of: feature)
                    == .init(
                        reason: "KVM is unavailable: /nonexistent/kvm does not exist",
                        errno: .operationNotSupportedByDevice, isDisabledByOperator: false))
        }
        #expect(features.absence(of: .memfd) == nil)
    }

    @Test(arguments: [Feature.guestMemfd, .guestMemfdMmap, .guestMemfdInitShared])
    func backendTurnedOffByTheOperatorIsRefusedSayingSoEvenWhereTheHostHasIt(feature: Feature) {
        let features = ServedFeatures(kvm: .success(Self.kvm()), disabledBackends: [.guestMemfd])

        #expect(
            features.absence(of: feature)
                == .init(
                    reason: "backend guest_memfd is turned off by this gmemd's operator",
                    errno: .notSupported,
                    isDisabledByOperator: true))
        #expect(features.absence(of: .vms) == nil && features.absence(of: .memfd) == nil)
    }

    @Test func memfdTurnedOffIsRefusedAndGuestMemfdStillServed() {
        let features = ServedFeatures(kvm: .success(Self.kvm()), disabledBackends: [.memfd])

        #expect(features.absence(of: .memfd)?.isDisabledByOperator == true)
        #expect(features.absence(of: .guestMemfd) == nil)
    }

    @Test(arguments: [
        (Errno.inappropriateIOCTLForDevice, "ENOTTY"), (.notSupported, "EOPNOTSUPP"),
        (.diskQuotaExceeded, "EDQUOT"),
        (.noSuchAddressOrDevice, "ENXIO"), (.argListTooLong, "E2BIG"), (.notRecoverable, "ENOTRECOVERABLE"),
        (Errno(rawValue: 133), "EHWPOISON"), (Errno(rawValue: 4000), "E4000"),
    ])
    func everyLinuxErrnoHasItsName(errno: Errno, name: String) {
        #expect(errno.symbol == name)
    }

    @Test func ioctlTheKernelDoesNotKnowIsUnsupported() {
        let error = GuestMemError.kernel("KVM_CREATE_GUEST_MEMFD", .inappropriateIOCTLForDevice)

        #expect(error == .unsupported("KVM_CREATE_GUEST_MEMFD: ENOTTY", errno: .inappropriateIOCTLForDevice))
    }
}
