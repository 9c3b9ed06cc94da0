import Foundation
import TestSupport
import Testing

/// A tenant's limits and the host's headroom (design.md §2 "Accounting"): crossing a limit of
/// the tenant's is its own problem, 403 quota with EDQUOT; the host running out is 507 with ENOMEM.
/// Either way nothing is allocated.
@Suite(.timeLimit(.scaledMinutes(10)))
struct TenantLimitTests {
    static let mib: Int64 = 1 << 20

    struct Crossing: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var send: @Sendable (Tenant, RemoteFile) async throws -> HTTPReply
    }

    /// Each crosses a 1 MiB max_bytes when half of it is already allocated.
    static let crossings: [Crossing] = [
        Crossing(testDescription: "allocate") { tenant, file in
            try await tenant.fallocate(file, "allocate", offset: mib / 2, length: mib)
        },
        Crossing(testDescription: "allocate keeping the size") { tenant, file in
            try await tenant.fallocate(file, "allocate", offset: mib / 2, length: mib, keepSize: true)
        },
        Crossing(testDescription: "write content") { tenant, file in
            try await tenant.client.put(
                file.path + "/content?offset=\(mib / 2)", bytes: Data(count: Int(mib)))
        },
    ]

    @Test(arguments: crossings)
    func allocationAcrossMaxBytesIs403EDQUOTAndChangesNothing(crossing: Crossing) async throws {
        let tenant = try await Gmemd.api.newTenant(limits: ["max_bytes": Self.mib])
        let created = try await tenant.createFile(size: 0)
        _ = try await tenant.fallocate(created, "allocate", offset: 0, length: Self.mib / 2)
            .expecting(200, "allocate half")
        let file = try await tenant.file(created.id)
        let usage = try await tenant.usage()

        let reply = try await crossing.send(tenant, file)

        #expect(reply.status == 403, "\(reply.text)")
        #expect(reply.problem?.errno == "EDQUOT")
        #expect(reply.problemKind == "quota")
        #expect(try await tenant.file(file.id) == file)
        #expect(try await tenant.usage() == usage)
        #expect(usage.allocatedBytes == Self.mib / 2)
    }

    @Test func fileBeyondMaxFilesIs403EDQUOTUntilOneIsDeleted() async throws {
        let tenant = try await Gmemd.api.newTenant(limits: ["max_files": 2])
        let first = try await tenant.createFile(size: 0)
        _ = try await tenant.createFile(size: 0)

        let refused = try await tenant.client.post("/v1/files", json: ["name": "third", "size": 0])

        #expect(refused.status == 403, "\(refused.text)")
        #expect(refused.problem?.errno == "EDQUOT")
        #expect(refused.problemKind == "quota")
        #expect(try await tenant.usage().files == 2)
        _ = try await tenant.client.delete(first.path).expecting(204, "delete")
        _ = try await tenant.createFile(size: 0)
        #expect(try await tenant.usage().files == 2)
    }

    @Test func allocationInAnInaccessibleFileCountsInLockedBytes() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let locked = try await tenant.createFile(size: Self.mib, flags: ["inaccessible": true])
        let plain = try await tenant.createFile(size: Self.mib)

        _ = try await tenant.fallocate(locked, "allocate", offset: 0, length: 256 << 10).expecting(
            200, "locked")
        _ = try await tenant.fallocate(plain, "allocate", offset: 0, length: 128 << 10).expecting(
            200, "plain")

        let usage = try await tenant.usage()
        #expect(usage.lockedBytes == 256 << 10)
        #expect(usage.allocatedBytes == 384 << 10)
    }

    @Test func lockedAllocationAcrossMaxLockedBytesIs403EDQUOTAndChangesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant(limits: ["max_locked_bytes": 256 << 10])
        let file = try await tenant.createFile(size: Self.mib, flags: ["inaccessible": true])
        let usage = try await tenant.usage()

        let reply = try await tenant.fallocate(file, "allocate", offset: 0, length: 512 << 10)

        #expect(reply.status == 403, "\(reply.text)")
        #expect(reply.problem?.errno == "EDQUOT")
        #expect(reply.problemKind == "quota")
        #expect(try await tenant.file(file.id) == file)
        #expect(try await tenant.usage() == usage)
    }

    /// A memory-cgroup overrun would kill gmemd (F21), so the host's headroom is checked first.
    @Test(arguments: [false, true])
    func allocationLargerThanTheHostsMemoryIs507ENOMEMAndGmemdStaysUp(keepSize: Bool) async throws {
        let gmemd = try await Gmemd.api.running()
        let tenant = try await Gmemd.api.newTenant(limits: ["max_bytes": .max, "max_locked_bytes": .max])
        let file = try await tenant.createFile(size: 0)
        let tooMuch = try ProcMeminfo.bytes("MemTotal") * 2

        let reply = try await tenant.fallocate(
            file, "allocate", offset: 0, length: tooMuch, keepSize: keepSize)

        #expect(reply.status == 507, "\(reply.text)")
        #expect(reply.problem?.errno == "ENOMEM")
        #expect(reply.problemKind == "host-exhausted")
        #expect(try await tenant.file(file.id) == file)
        #expect(try await tenant.usage().allocatedBytes == 0)
        #expect(try await gmemd.get("/v1/health").status == 200)
    }
}
