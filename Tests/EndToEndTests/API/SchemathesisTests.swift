import TestSupport
import Testing

/// openapi.yaml checked against the running server by schemathesis (design.md §6): every answer
/// to generated requests, valid and invalid, must be one the contract allows, in the shape and
/// content type it gives, and never a server error.
@Suite(.timeLimit(.minutes(10)))
struct SchemathesisTests {
    enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case adminOverTenantRoutes = "the admin token over the tenants tag"
        case tenantOverFileRoutes = "a tenant token over the files tag"
        case tenantOverVMRoutes = "a tenant token over the vms tag"

        var testDescription: String { rawValue }
    }

    @Test(arguments: Caller.allCases)
    func schemathesisFindsNoFailure(caller: Caller) async throws {
        try await Gmemd.withInstance([]) { gmemd in
            let admin = try Admin(gmemd)
            let token: String
            let tag: String
            switch caller {
            case .adminOverTenantRoutes:
                (token, tag) = (admin.client.token!, "tenants")
            case .tenantOverFileRoutes:
                // Room for every file the run creates, and little memory: large generated
                // allocations are refused (403 quota) instead of taking the host's memory.
                let tenant = try await admin.createTenant(limits: [
                    "max_bytes": 64 << 20, "max_files": 1_000_000,
                ])
                (token, tag) = (tenant.client.token!, "files")
            case .tenantOverVMRoutes:
                // Where /dev/kvm is missing every answer is the contract's 422; where it is
                // there, VMs are made until max_vms answers 403.
                (token, tag) = (try await admin.createTenant().client.token!, "vms")
            }

            let result = try await Schemathesis.run(gmemd, tag: tag, token: token, examples: 30)

            if result.stderr.contains("No such file") || result.stderr.contains("st: not found") {
                Issue.record("no `st` on PATH: python3 -m pip install schemathesis (scripts/test.sh does)")
            }
            #expect(result.succeeded, "\(result.stdout.suffix(6000))\(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("passed"), "\(result.stdout.suffix(2000))")
        }
    }
}
