/// What KVM on this host offers gmemd, probed once when /dev/kvm is opened (kernel-semantics.md
/// §1h). A value: the server prints it in /v1/health and checks a request against it before
/// asking the kernel.
package struct KVMCapabilities: Hashable, Sendable {
    /// KVM_GET_API_VERSION: 12.
    package let apiVersion: Int
    /// KVM_CAP_USER_MEMORY2: KVM_SET_USER_MEMORY_REGION2 exists (Linux 6.8+).
    package let hasUserMemory2: Bool
    /// KVM_CAP_GUEST_MEMFD: KVM_CREATE_GUEST_MEMFD exists (Linux 6.8+).
    package let hasGuestMemfd: Bool
    /// KVM_CAP_GUEST_MEMFD_FLAGS has GUEST_MEMFD_FLAG_MMAP (Linux 6.18+).
    package let guestMemfdSupportsMmap: Bool
    /// KVM_CAP_GUEST_MEMFD_FLAGS has GUEST_MEMFD_FLAG_INIT_SHARED (Linux 6.18+).
    package let guestMemfdSupportsInitShared: Bool
    /// KVM_CAP_NR_MEMSLOTS: how many memslots one VM may have (32764 on x86).
    package let maxMemslots: Int
    /// The KVM_CREATE_VM types KVM_CAP_VM_TYPES lists, ascending. Type 0, the default VM, is the
    /// only one gmemd creates, and on this PVM host the only one there is (kernel-semantics.md K4).
    package let vmTypes: [Int]

}
