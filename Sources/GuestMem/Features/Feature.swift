/// What a request may need that not every gmemd serves: a backend, KVM VMs, a guest_memfd flag,
/// huge pages. /v1/health, the startup log, a 422 and a test's skip all name it by `name`.
package enum Feature: CaseIterable, Hashable, Sendable {
    /// The memfd backend: memfd_create(2), on every Linux gmemd runs on.
    case memfd
    /// KVM VMs (KVM_CREATE_VM), and memslots bound in them.
    case vms
    /// The guest_memfd backend: KVM_CAP_GUEST_MEMFD and KVM_CAP_USER_MEMORY2 (Linux 6.8+).
    case guestMemfd
    /// The guest_memfd flag `mmap`: GUEST_MEMFD_FLAG_MMAP in KVM_CAP_GUEST_MEMFD_FLAGS (6.18+).
    case guestMemfdMmap
    /// The guest_memfd flag `init_shared`: GUEST_MEMFD_FLAG_INIT_SHARED in KVM_CAP_GUEST_MEMFD_FLAGS.
    case guestMemfdInitShared
    /// hugetlb memfds: a huge page pool that can hand out a page.
    case hugePages

    /// The feature as a client asks for it.
    package var name: String {
        switch self {
        case .memfd: "backend memfd"
        case .vms: "KVM VMs"
        case .guestMemfd: "backend guest_memfd"
        case .guestMemfdMmap: "guest_memfd flag mmap"
        case .guestMemfdInitShared: "guest_memfd flag init_shared"
        case .hugePages: "huge pages"
        }
    }

    /// The backend this feature is, if it is one the operator can turn off.
    var backend: Backend? {
        switch self {
        case .memfd: .memfd
        case .guestMemfd: .guestMemfd
        case .vms, .guestMemfdMmap, .guestMemfdInitShared, .hugePages: nil
        }
    }
}
