import Foundation
import TestSupport
import Testing

/// `max_vms`: a tenant limit like the others, with a default for tenants saved before it existed.
@Suite(.timeLimit(.scaledMinutes(10)))
struct MaxVMsLimitTests {
    @Test func tenantSavedWithoutMaxVMsGetsTheDefaultAfterARestart() async throws {
        let stateDirectory = try StateDirectory("maxvms")
        defer { stateDirectory.remove() }
        let (flags, tokenFile) = (stateDirectory.flags, stateDirectory.adminTokenFile)

        let tenant = try await Gmemd.withInstance(flags) { gmemd in
            try await Admin(gmemd, tokenFile: tokenFile).createTenant(name: "old", limits: ["max_files": 7])
        }
        // As a gmemd from before VMs wrote it: no max_vms in the limits.
        try stateDirectory.rewriteTenantRecords { record in
            var limits = record["limits"] as? [String: Any] ?? [:]
            limits["max_vms"] = nil
            record["limits"] = limits
        }

        try await Gmemd.withInstance(flags) { gmemd in
            let client = APIClient(gmemd: gmemd, token: tenant.client.token)
            let report = try await client.get("/v1/usage").expecting(200, "usage").decoded(UsageReport.self)

            #expect(report.limits["max_vms"] == 16)
            #expect(report.limits["max_files"] == 7)
        }
    }

    @Test func negativeMaxVMsIs422() async throws {
        let gmemd = try await Gmemd.kvm.running()
        let admin = try Admin(gmemd)

        let reply = try await admin.client.post(
            "/v1/tenants", json: ["name": "t", "limits": ["max_vms": -1]])

        reply.expectProblem(422, "EINVAL")
    }
}
