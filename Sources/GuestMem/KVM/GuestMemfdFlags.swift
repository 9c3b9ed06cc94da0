import CKVM
package import SystemPackage

/// The flags of KVM_CREATE_GUEST_MEMFD, holding every combination gmemd may create. Bits the
/// kernel does not know are kept, for the kernel to refuse with its own errno.
///
/// GUEST_MEMFD_FLAG_MMAP without GUEST_MEMFD_FLAG_INIT_SHARED cannot be built: such a file
/// starts private, and with no KVM_SET_MEMORY_ATTRIBUTES on this host (ENOTTY) it can never turn
/// shared, so every access through a mapping of it is a SIGBUS (kernel-semantics.md P3, K5).
package struct GuestMemfdFlags: Hashable, Sendable {
    package let rawValue: UInt64

    /// Private memory: no mapping, no CPU access from userspace.
    package static let none = GuestMemfdFlags(checked: 0)
    /// GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED: mappable, starting shared, so
    /// its content can be read and written through a shared mapping (Linux 6.18+).
    package static let mappable = GuestMemfdFlags(checked: mmapBit | initSharedBit)
    /// Every bit gmemd knows.
    static let known = mappable

    private static let mmapBit = UInt64(GMEMD_GUEST_MEMFD_FLAG_MMAP)
    private static let initSharedBit = UInt64(GMEMD_GUEST_MEMFD_FLAG_INIT_SHARED)

    /// Takes the kernel's bits as they are, but refuses MMAP without INIT_SHARED with EINVAL
    /// before the kernel sees it. INIT_SHARED alone is kept: the kernel accepts it and the file
    /// is simply not mappable (C5, P8).
    package init(rawValue: UInt64) throws(Errno) {
        guard rawValue & Self.mmapBit == 0 || rawValue & Self.initSharedBit != 0 else {
            throw .invalidArgument
        }
        self.rawValue = rawValue
    }

    /// The same, from the API's two booleans.
    package init(mmap: Bool, initShared: Bool) throws(Errno) {
        try self.init(rawValue: (mmap ? Self.mmapBit : 0) | (initShared ? Self.initSharedBit : 0))
    }

    private init(checked rawValue: UInt64) { self.rawValue = rawValue }

    /// GUEST_MEMFD_FLAG_MMAP is set.
    package var mmap: Bool { rawValue & Self.mmapBit != 0 }
    /// GUEST_MEMFD_FLAG_INIT_SHARED is set.
    package var initShared: Bool { rawValue & Self.initSharedBit != 0 }
    /// The file can be mapped, and read and written through the mapping (P4).
    package var isMappable: Bool { mmap && initShared }
}
