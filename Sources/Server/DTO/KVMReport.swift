import GuestMem
import Posix

/// `/v1/health`'s `kvm`: what /dev/kvm offered when gmemd started, or why it offers nothing.
struct KVMReport: Encodable, Sendable {
    var available: Bool
    /// Why KVM is unavailable, and the errno every KVM request is refused with.
    var reason: String?
    var errno: String?
    var apiVersion: Int?
    /// KVM_CAP_GUEST_MEMFD and KVM_CAP_USER_MEMORY2: guest_memfd files can be made and bound.
    var guestMemfd: Bool?
    /// KVM_CAP_GUEST_MEMFD_FLAGS, by the names `flags` takes: `mmap`, `init_shared`.
    var guestMemfdFlags: [String]?
    /// KVM_CAP_NR_MEMSLOTS: memslots per VM.
    var maxMemslots: Int?

    init(_ status: Result<KVMCapabilities, KVMUnavailable>) {
        switch status {
        case .success(let kvm):
            available = true
            apiVersion = kvm.apiVersion
            guestMemfd = kvm.hasGuestMemfd && kvm.hasUserMemory2
            guestMemfdFlags =
                (kvm.guestMemfdSupportsMmap ? ["mmap"] : [])
                + (kvm.guestMemfdSupportsInitShared ? ["init_shared"] : [])
            maxMemslots = kvm.maxMemslots
        case .failure(let why):
            available = false
            reason = why.reason
            errno = why.errno.symbol
        }
    }
}
