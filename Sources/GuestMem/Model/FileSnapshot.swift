/// Which kernel object backs a file.
package enum Backend: Hashable, Sendable {
    /// memfd_create(2).
    case memfd
    /// KVM_CREATE_GUEST_MEMFD on one of the tenant's VMs.
    case guestMemfd
}

/// A file as it was at one instant: a value, never the locked object behind it.
package struct FileSnapshot: Hashable, Sendable {
    package let id: FileID
    package let name: String
    package let backend: Backend
    package let size: Int64
    /// What fstat(2) reports: st_blocks × 512; for a guest_memfd, which fstat shows as empty
    /// (kernel-semantics.md A11), what gmemd's extent map records.
    package let allocatedBytes: Int64
    /// The kernel's F_GET_SEALS answer with the service seals added.
    package let seals: SealSet
    package let flags: FileFlags
    package let createdAt: Timestamp
    package let updatedAt: Timestamp
    /// Grows by one with every change; the ETag.
    package let version: UInt64
    /// The VM a guest_memfd file belongs to; nil for a memfd.
    package var vm: VMID? = nil
}
