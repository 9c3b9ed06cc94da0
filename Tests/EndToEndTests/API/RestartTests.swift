import Foundation
import TestSupport
import Testing

/// Tenants and their limits live in STATE_DIR/tenants.json and survive a restart; memory files
/// are the daemon's memfds and do not (README). Two instances, one after the other, share a
/// state directory: the `--state-dir` given here comes after the harness's own, and wins.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RestartTests {
    @Test func tenantWithItsLimitsAndTokenSurvivesARestartButItsFilesDoNot() async throws {
        let stateDirectory = try StateDirectory("restart")
        defer { stateDirectory.remove() }
        let (flags, tokenFile) = (stateDirectory.flags, stateDirectory.adminTokenFile)
        let limits: [String: Int64] = ["max_bytes": 123 << 20, "max_locked_bytes": 5 << 20, "max_files": 7]

        let (before, fileID) = try await Gmemd.withInstance(flags) { gmemd in
            let tenant = try await Admin(gmemd, tokenFile: tokenFile).createTenant(
                name: "survivor", limits: limits)
            let file = try await tenant.createFile(size: 1 << 20)
            _ = try await tenant.fallocate(file, "allocate", offset: 0, length: 1 << 20).expecting(
                200, "allocate")
            return (tenant, file.id)
        }

        try await Gmemd.withInstance(flags) { gmemd in
            let admin = try Admin(gmemd, tokenFile: tokenFile)
            let tenant = Tenant(id: before.id, client: APIClient(gmemd: gmemd, token: before.client.token))

            let record = try await admin.client.get("/v1/tenants/\(tenant.id)").expecting(200, "tenant")
            let report = try await tenant.client.get("/v1/usage").expecting(200, "usage").decoded(
                UsageReport.self)

            #expect(record.json?["name"] as? String == "survivor")
            #expect(report.limits["max_bytes"] == 123 << 20)
            #expect(report.limits["max_locked_bytes"] == 5 << 20)
            #expect(report.limits["max_files"] == 7)
            #expect(report.usage == Usage(allocatedBytes: 0, lockedBytes: 0, files: 0, consumers: 0))
            #expect(try await tenant.client.get("/v1/files/\(fileID)").status == 404)
            _ = try await tenant.createFile(size: 4096)
        }
    }
}
