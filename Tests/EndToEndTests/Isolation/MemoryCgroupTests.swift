import Foundation
import TestSupport
import Testing

/// Memory under hostile load (the isolation issue, item 1): in a memory cgroup smaller than
/// the host, a tenant whose own limit is far larger must be refused before the memcg OOM killer
/// takes gmemd, and every tenant's memory, away.
@Suite(.timeLimit(.scaledMinutes(10)))
struct MemoryCgroupTests {
    /// Where the test can make a memory cgroup: a directory of the test runner's own cgroup it may
    /// write, and the file that sets a child's limit there.
    struct Parent {
        var directory: String
        var limitFile: String
        var version: String
    }

    /// The runner's cgroup v1 memory directory, or its cgroup v2 directory where that hands the
    /// memory controller down (`cgroup.subtree_control`), if the runner may make a child there.
    static let writableMemoryCgroup: Parent? = {
        guard let text = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let parent: Parent
            if fields[1].split(separator: ",").contains("memory") {
                parent = Parent(
                    directory: "/sys/fs/cgroup/memory" + fields[2], limitFile: "memory.limit_in_bytes",
                    version: "cgroup v1")
            } else if fields[0] == "0", fields[1].isEmpty,
                let controls = try? String(
                    contentsOfFile: "/sys/fs/cgroup\(fields[2])/cgroup.subtree_control", encoding: .utf8),
                controls.split(whereSeparator: \.isWhitespace).contains("memory")
            {
                parent = Parent(
                    directory: "/sys/fs/cgroup" + fields[2], limitFile: "memory.max", version: "cgroup v2")
            } else {
                continue
            }
            if access(parent.directory, W_OK) == 0 { return parent }
        }
        return nil
    }()

    static let mib: Int64 = 1 << 20

    @Test(
        .enabled(
            if: writableMemoryCgroup != nil,
            "needs a cgroup v1 memory directory, or a cgroup v2 one with the memory controller handed down, that the test may write"
        ))
    func in256MiBCgroupA512MiBAllocationIsRefusedGmemdLivesAndA64MiBOneSucceeds() async throws {
        let parent = try #require(Self.writableMemoryCgroup)
        let cgroup = parent.directory + "/gmemd-e2e-\(UUID())"
        guard mkdir(cgroup, 0o755) == 0 else { throw EndToEndError.commandFailed("mkdir \(cgroup)") }
        defer { rmdir(cgroup) }
        try "\(256 * Self.mib)".write(
            toFile: cgroup + "/" + parent.limitFile, atomically: false, encoding: .utf8)
        // The shell joins the cgroup, then becomes gmemd: everything gmemd allocates is charged there.
        let launcher = ["/bin/sh", "-c", "echo $$ > \(cgroup)/cgroup.procs && exec \"$@\"", "sh"]

        try await Gmemd.withInstance(["--host-reserve-bytes", "\(32 * Self.mib)"], launcher: launcher) {
            gmemd in
            let admin = try Admin(gmemd)
            let tenant = try await admin.createTenant(limits: ["max_bytes": 8 << 30])
            let file = try await tenant.createFile(size: 1 << 30)

            let refused = try await tenant.fallocate(file, "allocate", offset: 0, length: 512 * Self.mib)
            let health = try await gmemd.get("/v1/health")
            let granted = try await tenant.fallocate(file, "allocate", offset: 0, length: 64 * Self.mib)

            #expect(refused.status == 507, "\(refused.text)")
            #expect(refused.problem?.errno == "ENOMEM")
            #expect(health.status == 200)
            let memory = health.json?["memory"] as? [String: Any]
            #expect((memory?["source"] as? String)?.hasPrefix(parent.version + " ") == true)
            #expect((memory?["limit_bytes"] as? Int).map(Int64.init) == 256 * Self.mib)
            #expect(granted.status == 200, "\(granted.text)")
            #expect(try await tenant.usage().allocatedBytes == 64 * Self.mib)
            #expect(gmemd.log.contents.contains("budget exhausted: host memory"))
        }
    }
}
