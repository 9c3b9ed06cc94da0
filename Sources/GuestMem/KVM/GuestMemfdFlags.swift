import CKVM

/// The flags of KVM_CREATE_GUEST_MEMFD. Every combination is kept as asked, bits the kernel does
/// not know included, for the kernel to accept or refuse with its own errno.
///
/// Only GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED makes a file gmemd maps. With MMAP
/// alone the kernel creates the file, but its memory starts private, and with no
/// KVM_SET_MEMORY_ATTRIBUTES on this host (ENOTTY) it never turns shared: every access through a
/// mapping of it is a SIGBUS (kernel-semantics.md P3, K5), so gmemd never maps one.
package struct GuestMemfdFlags: Hashable, Sendable {
    package let rawValue: UInt64

    /// Private memory: no mapping, no CPU access from userspace.
    package static let none = GuestMemfdFlags(rawValue: 0)
    /// GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED: mappable, starting shared, so
    /// its content can be read and written through a shared mapping (Linux 6.18+).
    package static let mappable = GuestMemfdFlags(rawValue: mmapBit | initSharedBit)

    private static let mmapBit = UInt64(GMEMD_GUEST_MEMFD_FLAG_MMAP)
    private static let initSharedBit = UInt64(GMEMD_GUEST_MEMFD_FLAG_INIT_SHARED)

    /// Takes the kernel's bits as they are.
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The same, from the API's two booleans.
    package init(mmap: Bool, initShared: Bool) {
        self.init(rawValue: (mmap ? Self.mmapBit : 0) | (initShared ? Self.initSharedBit : 0))
    }

    /// GUEST_MEMFD_FLAG_MMAP is set.
    package var mmap: Bool { rawValue & Self.mmapBit != 0 }
    /// GUEST_MEMFD_FLAG_INIT_SHARED is set.
    package var initShared: Bool { rawValue & Self.initSharedBit != 0 }
    /// The file can be mapped, and read and written through the mapping (P4). INIT_SHARED alone
    /// is accepted but mmap(2) answers ENODEV (C5, P8); MMAP alone maps but faults (P3).
    package var isMappable: Bool { mmap && initShared }
}
