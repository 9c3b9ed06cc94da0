#if canImport(Glibc)
    import Glibc
#endif

/// The memory cgroups gmemd runs in: its own and every ancestor, for cgroup v2 (`memory.max`,
/// `memory.high`, `memory.current`) or v1 (`memory.limit_in_bytes`, `memory.usage_in_bytes`).
/// Crossing any of their limits does not fail an allocation: the memcg OOM killer kills gmemd
/// and every tenant's memory with it (kernel-semantics.md F21), so the headroom guard must see
/// the tightest of them, not only /proc/meminfo.
struct MemoryCgroup: Sendable {
    enum Version: String, Sendable {
        case v1 = "cgroup v1"
        case v2 = "cgroup v2"
    }

    let version: Version
    /// Directories holding the memory files, gmemd's own first, then each ancestor up to the
    /// hierarchy's root.
    let directories: [String]
    /// The cgroup path as /proc/self/cgroup names it, for messages.
    let path: String

    /// One level's figures now; nil where it has no limit.
    struct Level: Sendable {
        let limitBytes: Int64
        let usageBytes: Int64
        let path: String
        var headroomBytes: Int64 { limitBytes - usageBytes }
    }

    /// A limit this large is "no limit": v1 reports PAGE_COUNTER_MAX in bytes (2^63 less a page).
    static let unlimited: Int64 = 1 << 60

    /// gmemd's memory cgroup, found from `/proc/self/cgroup` under the hierarchies mounted at
    /// `root`; nil where there is none (no memory controller, or not mounted there).
    static func current(root: String = "/sys/fs/cgroup") -> MemoryCgroup? {
        guard let text = try? readTextFile("/proc/self/cgroup") else { return nil }
        return find(inProcCgroup: text, root: root)
    }

    /// The memory cgroup `text` (the format of /proc/PID/cgroup) names, under `root`. A v1
    /// memory line wins over the v2 line, as the v1 controller is the one that charges then.
    static func find(inProcCgroup text: String, root: String) -> MemoryCgroup? {
        var unifiedPath: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[1].split(separator: ",").contains("memory") {
                let mount = root + "/memory"
                if exists(mount + path + "/memory.limit_in_bytes") {
                    return MemoryCgroup(version: .v1, directories: chain(mount, path), path: path)
                }
            } else if fields[0] == "0", fields[1].isEmpty {
                unifiedPath = path
            }
        }
        guard let path = unifiedPath else { return nil }
        for mount in [root, root + "/unified"] where exists(mount + "/cgroup.controllers") {
            // The root cgroup has no memory.max; a child with the controller enabled has.
            let directories = chain(mount, path).filter { exists($0 + "/memory.max") }
            if !directories.isEmpty {
                return MemoryCgroup(version: .v2, directories: directories, path: path)
            }
        }
        return nil
    }

    /// The level with the least headroom now, among those with a limit; nil when none has one.
    func tightest() -> Level? {
        var tightest: Level?
        for directory in directories {
            guard let level = level(directory), level.limitBytes < Self.unlimited else { continue }
            if tightest.map({ level.headroomBytes < $0.headroomBytes }) ?? true { tightest = level }
        }
        return tightest
    }

    private func level(_ directory: String) -> Level? {
        let limit: Int64?
        let usage: Int64?
        switch version {
        case .v1:
            limit = Self.value(directory + "/memory.limit_in_bytes")
            usage = Self.value(directory + "/memory.usage_in_bytes")
        case .v2:
            // Past memory.high the kernel throttles and reclaims hard: as good as a limit for
            // what a tenant may allocate.
            let high = Self.value(directory + "/memory.high") ?? Self.unlimited
            limit = min(Self.value(directory + "/memory.max") ?? Self.unlimited, high)
            usage = Self.value(directory + "/memory.current")
        }
        guard let limit, let usage else { return nil }
        return Level(limitBytes: limit, usageBytes: usage, path: directory)
    }

    /// A memory file's number; "max" is no limit; nil where the file cannot be read.
    private static func value(_ path: String) -> Int64? {
        guard let text = try? readTextFile(path) else { return nil }
        let word = text.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        return word == "max" ? unlimited : Int64(word)
    }

    /// `mount + path`, then each ancestor directory up to `mount` itself.
    private static func chain(_ mount: String, _ path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        var directories: [String] = []
        while true {
            directories.append(mount + (parts.isEmpty ? "" : "/" + parts.joined(separator: "/")))
            if parts.isEmpty { return directories }
            parts.removeLast()
        }
    }

    private static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
