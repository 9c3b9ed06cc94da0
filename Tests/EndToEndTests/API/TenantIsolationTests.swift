import Foundation
import TestSupport
import Testing

/// design.md §2, §5 "Isolation": a tenant reaches only its own files (another's id is 404,
/// never 403), only the admin manages tenants, and the admin owns no files.
@Suite(.timeLimit(.scaledMinutes(10)))
struct TenantIsolationTests {
    /// An owner with a 64 KiB file holding data, and a second tenant.
    struct Pair {
        let owner: Tenant
        let intruder: Tenant
        let file: RemoteFile
        static let data = Data.pattern(count: 64 << 10)

        static func make() async throws -> Pair {
            let owner = try await Gmemd.api.newTenant()
            let created = try await owner.createFile(size: 64 << 10)
            try await owner.write(data, to: created)
            return Pair(
                owner: owner, intruder: try await Gmemd.api.newTenant(),
                file: try await owner.file(created.id))
        }

        func expectUnchanged() async throws {
            #expect(try await owner.file(file.id) == file)
            #expect(try await owner.content(of: file) == Self.data)
        }
    }

    @Test(arguments: Route.file)
    func anotherTenantsFileIdIs404AndChangesNothing(route: Route) async throws {
        let pair = try await Pair.make()

        let reply = try await route.send(as: pair.intruder.client, file: pair.file.id)

        #expect(reply.status == 404, "\(reply.text)")
        if route.method != "HEAD" { #expect(reply.problem?.status == 404) }
        try await pair.expectUnchanged()
        #expect(
            try await pair.intruder.usage()
                == Usage(allocatedBytes: 0, lockedBytes: 0, files: 0, consumers: 0))
    }

    @Test func anotherTenantsFilesAreNotInTheListing() async throws {
        let pair = try await Pair.make()
        _ = try await pair.intruder.createFile(size: 0)

        let page = try await pair.intruder.client.get("/v1/files").expecting(200, "list").decoded(
            FilePage.self)

        #expect(page.items.count == 1)
        #expect(!page.items.contains { $0.id == pair.file.id })
    }

    @Test(arguments: Route.admin)
    func tenantTokenOnAnAdminRouteIs403AndChangesNothing(route: Route) async throws {
        let gmemd = try await Gmemd.api.running()
        let admin = try Admin(gmemd)
        let tenant = try await Gmemd.api.newTenant()
        let before = try await admin.client.get("/v1/tenants/\(tenant.id)").expecting(200, "tenant").text

        let reply = try await route.send(as: tenant.client, tenant: tenant.id)

        #expect(reply.status == 403, "\(reply.text)")
        #expect(reply.problem?.status == 403)
        #expect(try await admin.client.get("/v1/tenants/\(tenant.id)").text == before)
    }

    @Test(arguments: Route.file + Route.tenantWide)
    func adminTokenOnATenantRouteIs403AndChangesNothing(route: Route) async throws {
        let gmemd = try await Gmemd.api.running()
        let pair = try await Pair.make()
        let usage = try await pair.owner.usage()

        let reply = try await route.send(as: try Admin(gmemd).client, file: pair.file.id)

        #expect(reply.status == 403, "\(reply.text)")
        if route.method != "HEAD" { #expect(reply.problem?.status == 403) }
        try await pair.expectUnchanged()
        #expect(try await pair.owner.usage() == usage)
    }

    struct Credential: Sendable, CustomTestStringConvertible {
        var testDescription: String
        /// The Authorization header to send, from the owner's and the admin's real tokens; nil sends none.
        var header: @Sendable (_ tenant: Tenant, _ admin: Admin) -> String?
    }

    static let badCredentials: [Credential] = [
        Credential(testDescription: "no Authorization") { _, _ in nil },
        Credential(testDescription: "Bearer with no token") { _, _ in "Bearer" },
        Credential(testDescription: "an unknown token") { _, _ in "Bearer not-a-token" },
        Credential(testDescription: "Basic credentials") { _, _ in "Basic YWRtaW46YWRtaW4=" },
        Credential(testDescription: "the tenant's id with a wrong secret") { tenant, _ in
            "Bearer \(tenant.id).\(String(repeating: "0", count: 64))"
        },
        Credential(testDescription: "the tenant's token cut short") { tenant, _ in
            "Bearer \(tenant.client.token!.dropLast())"
        },
        Credential(testDescription: "the admin token with one character changed") { _, admin in
            let token = admin.client.token!
            return "Bearer \(token.dropLast())\(token.last == "0" ? "1" : "0")"
        },
    ]

    @Test(arguments: badCredentials)
    func missingOrBadTokenIs401OnEveryRouteAndChangesNothing(credential: Credential) async throws {
        let gmemd = try await Gmemd.api.running()
        let pair = try await Pair.make()
        let admin = try Admin(gmemd)
        let anonymous = APIClient(gmemd: gmemd, token: nil)
        let headers = credential.header(pair.owner, admin).map { ["Authorization": $0] } ?? [:]

        for route in Route.file + Route.tenantWide + Route.admin {
            let reply = try await route.send(
                as: anonymous, file: pair.file.id, tenant: pair.owner.id, headers: headers)

            #expect(reply.status == 401, "\(route.testDescription): \(reply.text)")
            if route.method != "HEAD" { #expect(reply.problem?.status == 401, "\(route.testDescription)") }
        }
        try await pair.expectUnchanged()
    }

    @Test func deletedTenantsTokenIs401() async throws {
        let gmemd = try await Gmemd.api.running()
        let tenant = try await Gmemd.api.newTenant()
        _ = try await tenant.createFile(size: 4096)

        _ = try await Admin(gmemd).client.delete("/v1/tenants/\(tenant.id)").expecting(204, "delete tenant")

        #expect(try await tenant.client.get("/v1/usage").status == 401)
        #expect(try await tenant.client.get("/v1/files").status == 401)
    }
}
