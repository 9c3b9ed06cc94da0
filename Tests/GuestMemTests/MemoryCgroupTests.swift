import Foundation
import TestSupport
import Testing

@testable import GuestMem

/// The headroom guard finds gmemd's memory cgroup from /proc/self/cgroup and sees the tightest
/// level of it and its ancestors, in either cgroup version. Built over a directory tree shaped
/// like /sys/fs/cgroup, so it runs on any host.
@Suite(.timeLimit(.scaledMinutes(10)))
struct MemoryCgroupTests {
    /// Writes `files` (path → contents) under a new temporary root.
    static func tree(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appending(path: "cgroup-\(UUID())").path
        for (path, contents) in files {
            let url = URL(filePath: root + path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try contents.write(to: url, atomically: false, encoding: .utf8)
        }
        return root
    }

    @Test func v1AncestorWithLessHeadroomThanItsChildIsTheTightest() throws {
        let root = try Self.tree([
            "/memory/memory.limit_in_bytes": "9223372036854771712\n",
            "/memory/memory.usage_in_bytes": "1000\n",
            "/memory/a/memory.limit_in_bytes": "268435456\n",
            "/memory/a/memory.usage_in_bytes": "200000000\n",
            "/memory/a/b/memory.limit_in_bytes": "1073741824\n",
            "/memory/a/b/memory.usage_in_bytes": "1000\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let cgroup = try #require(
            MemoryCgroup.find(inProcCgroup: "5:pids:/\n4:memory:/a/b\n0::/\n", root: root))
        let tightest = try #require(cgroup.tightest())

        #expect(cgroup.version == .v1)
        #expect(tightest.limitBytes == 268_435_456)
        #expect(tightest.headroomBytes == 268_435_456 - 200_000_000)
        #expect(tightest.path == root + "/memory/a")
    }

    @Test func v2TakesTheLowerOfMaxAndHighAndMaxMeansNoLimit() throws {
        let root = try Self.tree([
            "/cgroup.controllers": "memory pids\n",
            "/svc/memory.max": "max\n",
            "/svc/memory.high": "536870912\n",
            "/svc/memory.current": "36870912\n",
            "/svc/gmemd/memory.max": "max\n",
            "/svc/gmemd/memory.high": "max\n",
            "/svc/gmemd/memory.current": "1000\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }

        let cgroup = try #require(MemoryCgroup.find(inProcCgroup: "0::/svc/gmemd\n", root: root))
        let tightest = try #require(cgroup.tightest())

        #expect(cgroup.version == .v2)
        #expect(tightest.limitBytes == 536_870_912)
        #expect(tightest.headroomBytes == 500_000_000)
    }

    @Test func noMemoryHierarchyMeansTheHostAlone() throws {
        let root = try Self.tree(["/pids/tasks": ""])
        defer { try? FileManager.default.removeItem(atPath: root) }

        #expect(MemoryCgroup.find(inProcCgroup: "4:memory:/a\n0::/\n", root: root) == nil)
    }

    @Test func allocationThatWouldCrossTheCgroupReserveIsRefusedWithENOMEM() throws {
        let root = try Self.tree([
            "/memory/g/memory.limit_in_bytes": "268435456\n",
            "/memory/g/memory.usage_in_bytes": "33554432\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cgroup = MemoryCgroup.find(inProcCgroup: "4:memory:/g\n", root: root)
        let host = HostMemory(reserveBytes: 32 << 20, cgroup: cgroup)

        let error = #expect(throws: GuestMemError.self) { try host.claim(512 << 20) }
        let granted = try host.claim(64 << 20)

        #expect(error?.errno == .noMemory)
        #expect(granted == 64 << 20)
        #expect(try host.headroom().source == "cgroup v1 \(root)/memory/g")
        #expect(try host.headroom().pendingBytes == 64 << 20)
    }
}
