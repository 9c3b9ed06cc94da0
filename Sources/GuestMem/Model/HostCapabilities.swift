/// What this host offers, as /v1/health reports it. Read fresh on each call: the huge page
/// pools can be resized at run time.
package struct HostCapabilities: Hashable, Sendable {
    /// sysconf(_SC_PAGESIZE).
    package let pageSize: Int64
    /// uname(2)'s release, e.g. `6.18.44-fc-v595`.
    package let kernelRelease: String
    /// /proc/meminfo Hugepagesize: the size MFD_HUGETLB uses.
    package let defaultHugePageSize: Int64
    /// One entry per /sys/kernel/mm/hugepages/hugepages-*kB directory.
    package let hugePagePools: [HugePagePool]

    /// Whether any pool can hand out a page, now or by overcommit. Without one, a hugetlb
    /// memfd is created fine but every allocation fails (kernel-semantics.md §1g).
    package var hasHugePages: Bool { hugePagePools.contains { $0.total > 0 || $0.overcommit > 0 } }
}

/// One huge page size's pool.
package struct HugePagePool: Hashable, Sendable {
    package let pageSize: Int64
    /// nr_hugepages, free_hugepages, nr_overcommit_hugepages.
    package let total: Int
    package let free: Int
    package let overcommit: Int
}
