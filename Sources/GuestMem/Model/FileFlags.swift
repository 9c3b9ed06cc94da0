/// What a file was created with. Fixed for the file's life.
package struct FileFlags: Hashable, Sendable {
    /// MFD_ALLOW_SEALING. Without it the kernel starts the file with F_SEAL_SEAL set.
    package var allowSealing: Bool
    /// Sets the `inaccessible` service seal at creation, before anyone could write or size it;
    /// also without `allowSealing`, as MFD_NOEXEC_SEAL sets F_SEAL_EXEC (M4).
    package var inaccessible: Bool
    /// MFD_HUGETLB: backed by the default huge page size. Refused where the host has no pool.
    package var hugetlb: Bool
    /// MFD_EXEC: executable (mode 0777).
    package var exec: Bool
    /// MFD_NOEXEC_SEAL: mode 0666 and F_SEAL_EXEC from the start; implies sealable (M4).
    package var noexecSeal: Bool
    /// guest_memfd only: GUEST_MEMFD_FLAG_MMAP and GUEST_MEMFD_FLAG_INIT_SHARED.
    package var mmap: Bool
    package var initShared: Bool

    package init(
        allowSealing: Bool = true, inaccessible: Bool = false, hugetlb: Bool = false,
        exec: Bool = false, noexecSeal: Bool = false, mmap: Bool = false, initShared: Bool = false
    ) {
        self.allowSealing = allowSealing
        self.inaccessible = inaccessible
        self.hugetlb = hugetlb
        self.exec = exec
        self.noexecSeal = noexecSeal
        self.mmap = mmap
        self.initShared = initShared
    }
}
