package import GuestMem
package import Testing

/// What this host serves gmemd, decided as gmemd decides it: by ServedFeatures over KVM's own
/// KVM_CHECK_EXTENSION answers, never by the device file (a /dev/kvm that creates VMs may have
/// no guest_memfd). A test that needs a missing feature is skipped with its name and why. To see
/// the no-KVM skips on a host with KVM, hide the device in a private mount namespace:
/// `unshare -m sh -c 'mount --bind /dev/null /dev/kvm && swift test --skip-build'`.
package enum HostSupport {
    package static let features = ServedFeatures(kvm: KVMDevice().status)
}

extension Trait where Self == ConditionTrait {
    /// KVM VMs (and memslots of memfds bound in them).
    package static var needsKVM: Self { needs(.vms) }
    /// guest_memfd files, without flags.
    package static var needsGuestMemfd: Self { needs(.guestMemfd) }
    /// Mappable guest_memfd files: the flags mmap and init_shared.
    package static var needsGuestMemfdMmap: Self { needs(.guestMemfdMmap, .guestMemfdInitShared) }
    /// A huge page pool.
    package static var needsHugePages: Self { needs(.hugePages) }

    /// Runs the test only where every one of `features` is served; else skips it naming the
    /// first missing one and why.
    package static func needs(_ features: GuestMem.Feature...) -> Self {
        let missing = features.lazy.compactMap { feature in
            HostSupport.features.absence(of: feature).map { "needs \(feature.name): \($0.reason)" }
        }.first
        return .enabled(if: missing == nil, Comment(rawValue: missing ?? ""))
    }

    /// Runs the test only where `feature` is missing: the refusals a client gets there.
    package static func lacks(_ feature: GuestMem.Feature) -> Self {
        .enabled(
            if: HostSupport.features.absence(of: feature) != nil,
            Comment(rawValue: "runs only where the host lacks \(feature.name); this host has it"))
    }
}
