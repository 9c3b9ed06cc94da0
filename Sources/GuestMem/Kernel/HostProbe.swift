import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Reads what this host offers: page size, kernel release, huge page pools.
enum HostProbe {
    static let hugePagesDirectory = "/sys/kernel/mm/hugepages"

    /// sysconf(_SC_PAGESIZE): fixed for the life of the process.
    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// The host as it is now. A /proc or /sys entry that cannot be read counts as absent.
    static func capabilities() -> HostCapabilities {
        HostCapabilities(
            pageSize: pageSize, kernelRelease: kernelRelease(),
            defaultHugePageSize: (try? MemInfo.read().hugePageSize) ?? 0,
            hugePagePools: hugePagePools())
    }

    /// The release field of uname(2). uname cannot fail with a valid buffer.
    static func kernelRelease() -> String {
        var names = utsname()
        uname(&names)
        return withUnsafeBytes(of: names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// One pool per `hugepages-<size>kB` directory, smallest page first.
    static func hugePagePools() -> [HugePagePool] {
        let names = (try? directoryEntries(hugePagesDirectory)) ?? []
        return names.compactMap(pool(named:)).sorted { $0.pageSize < $1.pageSize }
    }

    private static func pool(named name: String) -> HugePagePool? {
        guard name.hasPrefix("hugepages-"), name.hasSuffix("kB"),
            let kibibytes = Int64(name.dropFirst("hugepages-".count).dropLast(2))
        else { return nil }
        let directory = "\(hugePagesDirectory)/\(name)"
        func count(_ file: String) -> Int {
            (try? readTextFile("\(directory)/\(file)")).flatMap { Int($0.trimmingSuffixNewline) } ?? 0
        }
        return HugePagePool(
            pageSize: kibibytes * 1024, total: count("nr_hugepages"), free: count("free_hugepages"),
            overcommit: count("nr_overcommit_hugepages"))
    }
}

extension String {
    fileprivate var trimmingSuffixNewline: Substring { self[...].prefix { $0 != "\n" } }
}
