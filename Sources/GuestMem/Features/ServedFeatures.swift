import Posix
package import SystemPackage

/// What this gmemd serves: what the host has, less the backends its operator turned off. Every
/// request that needs a feature asks here before any syscall, and a missing one is refused with
/// its name and why (design.md §3: 422, ENODEV or EOPNOTSUPP).
///
/// The host's answer is KVM's own (KVM_CHECK_EXTENSION, probed once at start), never the device
/// file's: a /dev/kvm that opens and creates VMs may still have no guest_memfd
/// (kernel-semantics.md, "Hosts differ"). Huge pages are read at each ask: pools can be resized
/// while gmemd runs.
package struct ServedFeatures: Sendable {
    /// KVM's capabilities, or why there is none.
    package let kvm: Result<KVMCapabilities, KVMUnavailable>
    /// The backends the operator turned off.
    package let disabledBackends: Set<Backend>

    package init(kvm: Result<KVMCapabilities, KVMUnavailable>, disabledBackends: Set<Backend> = []) {
        self.kvm = kvm
        self.disabledBackends = disabledBackends
    }

    /// Why a feature is not served.
    package struct Absence: Hashable, Sendable {
        /// One sentence naming the feature and what is missing.
        package let reason: String
        /// The errno a refused request carries.
        package let errno: Errno
        /// The operator turned it off; the host may have it.
        package let isDisabledByOperator: Bool
    }

    /// Why `feature` is not served here, or nil when it is.
    package func absence(of feature: Feature) -> Absence? {
        if let backend = feature.backend, disabledBackends.contains(backend) {
            return Absence(
                reason: "\(feature.name) is turned off by this gmemd's operator", errno: .notSupported,
                isDisabledByOperator: true)
        }
        switch feature {
        case .memfd:
            return nil
        case .vms:
            guard case .failure(let why) = kvm else { return nil }
            return Absence(
                reason: "KVM is unavailable: \(why.reason)", errno: why.errno, isDisabledByOperator: false)
        case .guestMemfd:
            if let noKVM = absence(of: .vms) { return noKVM }
            return lacking(
                "guest_memfd", unless: \.hasGuestMemfd, "KVM_CHECK_EXTENSION(KVM_CAP_GUEST_MEMFD) is 0")
                ?? lacking(
                    "KVM_SET_USER_MEMORY_REGION2", unless: \.hasUserMemory2,
                    "KVM_CHECK_EXTENSION(KVM_CAP_USER_MEMORY2) is 0")
        case .guestMemfdMmap:
            return absence(of: .guestMemfd)
                ?? lacking(
                    feature.name, unless: \.guestMemfdSupportsMmap,
                    "KVM_CAP_GUEST_MEMFD_FLAGS has no GUEST_MEMFD_FLAG_MMAP (Linux 6.18+)")
        case .guestMemfdInitShared:
            return absence(of: .guestMemfd)
                ?? lacking(
                    feature.name, unless: \.guestMemfdSupportsInitShared,
                    "KVM_CAP_GUEST_MEMFD_FLAGS has no GUEST_MEMFD_FLAG_INIT_SHARED (Linux 6.18+)")
        case .hugePages:
            guard !HostProbe.capabilities().hasHugePages else { return nil }
            return Absence(
                reason: "this host has no huge pages (every nr_hugepages and nr_overcommit_hugepages is 0)",
                errno: .operationNotSupportedByDevice, isDisabledByOperator: false)
        }
    }

    /// Refuses with `unsupported` when `feature` is not served.
    package func require(_ feature: Feature) throws(GuestMemError) {
        guard let absence = absence(of: feature) else { return }
        throw .unsupported(absence.reason, errno: absence.errno)
    }

    /// Refuses with `unsupported` when a guest_memfd with `flags` needs something not served.
    /// Bits gmemd does not know are left to the kernel, which answers EINVAL (C6).
    package func require(_ flags: GuestMemfdFlags) throws(GuestMemError) {
        try require(.guestMemfd)
        if flags.mmap { try require(.guestMemfdMmap) }
        if flags.initShared { try require(.guestMemfdInitShared) }
    }

    /// KVM's capabilities, or the refusal every KVM request gets here.
    package func kvmCapabilities() throws(GuestMemError) -> KVMCapabilities {
        try require(.vms)
        // `require(.vms)` returned, so KVM opened.
        return try! kvm.get()
    }

    /// The absence of `what` from a KVM that opened but whose capabilities lack `has`, as `why` says.
    private func lacking(
        _ what: String, unless has: KeyPath<KVMCapabilities, Bool>, _ why: String
    ) -> Absence? {
        guard case .success(let capabilities) = kvm, !capabilities[keyPath: has] else { return nil }
        return Absence(
            reason: "this host's KVM has no \(what): \(why)", errno: .notSupported,
            isDisabledByOperator: false)
    }
}
