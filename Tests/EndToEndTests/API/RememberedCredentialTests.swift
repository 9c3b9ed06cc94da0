import TestSupport
import Testing

/// A connection remembers the last token it proved, so that a keep-alive client's requests after
/// its first cost no digest; what it remembers never outlives the token, and never stands for
/// another one.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RememberedCredentialTests {
    @Test func aRemovedTenantsTokenIsRefusedOnTheNextRequestOfAConnectionThatUsedIt() async throws {
        let gmemd = try await Gmemd.api.running()
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)
        let connection = try RawConnection(port: gmemd.port)
        let get = Self.get("/v1/files/\(file.id)", token: try #require(tenant.client.token))
        try connection.send(get)
        #expect(try await connection.reply().status == 200)
        try connection.send(get)
        #expect(try await connection.reply().status == 200)

        _ = try await Admin(gmemd).client.delete("/v1/tenants/\(tenant.id)").expecting(
            204, "remove the tenant")
        try connection.send(get)
        let refused = try await connection.reply()

        #expect(refused.status == 401, "\(refused.text)")
    }

    @Test func eachTokenSentOnOneConnectionIsJudgedOnItsOwn() async throws {
        let gmemd = try await Gmemd.api.running()
        let (owner, other) = (try await Gmemd.api.newTenant(), try await Gmemd.api.newTenant())
        let file = try await owner.createFile(size: 4096)
        let admin = try #require(try Admin(gmemd).client.token)
        let ownerToken = try #require(owner.client.token)
        let connection = try RawConnection(port: gmemd.port)
        let asked: [(token: String, path: String, status: Int)] = [
            (ownerToken, "/v1/files/\(file.id)", 200),
            ("\(owner.id).\(String(repeating: "0", count: 64))", "/v1/files/\(file.id)", 401),
            (ownerToken + "0", "/v1/files/\(file.id)", 401),
            (try #require(other.client.token), "/v1/files/\(file.id)", 404),
            (ownerToken, "/v1/files/\(file.id)", 200),
            (ownerToken, "/v1/tenants", 403),
            (admin, "/v1/tenants", 200),
            (admin, "/v1/files/\(file.id)", 403),
            (ownerToken, "/v1/files/\(file.id)", 200),
        ]

        var answered: [Int] = []
        for (token, path, _) in asked {
            try connection.send(Self.get(path, token: token))
            answered.append(try await connection.reply().status)
        }

        #expect(answered == asked.map(\.status))
    }

    static func get(_ path: String, token: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n\r\n"
    }
}
