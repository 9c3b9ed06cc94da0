import Foundation
import TestSupport
import Testing

/// `POST /v1/tenants` with an `Idempotency-Key`: a retry gets the first answer again (the token
/// too) and makes no second tenant, across a restart and a kill -9 as well; the key with another
/// body is 422, while its first request runs 409, and a malformed key is 400. Names are unique
/// per test, so tenants other tests make on the shared instance never count.
@Suite(.timeLimit(.scaledMinutes(10)))
struct IdempotencyKeyTenantTests {
    @Test func aRetryWithTheKeyGetsTheFirstAnswerAgainAndNoSecondTenant() async throws {
        let admin = try Admin(await Gmemd.api.running())
        let (name, key) = Self.fresh()

        let first = try await admin.create(name, key: key)
        let retry = try await admin.create(name, key: key)

        #expect(first.status == 201)
        expectReplay(retry, of: first)
        #expect(try await admin.tenantIDs(named: name).count == 1)
    }

    @Test func theKeyWithAnotherBodyIs422AndCreatesNothing() async throws {
        let admin = try Admin(await Gmemd.api.running())
        let (name, key) = Self.fresh()
        let other = name + "-other"
        let first = try await admin.create(name, key: key)

        let refused = try await admin.create(other, key: key)

        #expect(first.status == 201)
        #expect(refused.status == 422)
        #expect(refused.problemKind == "idempotency-key-reused")
        #expect(try await admin.tenantIDs(named: other).isEmpty)
        #expect(try await admin.tenantIDs(named: name).count == 1)
    }

    @Test func requestsWithOneKeyAtOnceMakeOneTenantAndAnswerItOr409() async throws {
        let admin = try Admin(await Gmemd.api.running())
        let (name, key) = Self.fresh()

        let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
            for _ in 0..<8 { group.addTask { try await admin.create(name, key: key) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        let created = replies.filter { $0.status == 201 }
        #expect(replies.allSatisfy { $0.status == 201 || $0.status == 409 }, "\(replies.map(\.status))")
        #expect(replies.filter { $0.status == 409 }.allSatisfy { $0.problemKind == "idempotency-key-in-use" })
        #expect(created.filter { $0.header("Idempotent-Replayed") == nil }.count == 1)
        #expect(Set(created.map(\.body)).count == 1)
        #expect(try await admin.tenantIDs(named: name).count == 1)
    }

    @Test func aRefusedCreateIsNotKeptAndItsFixedRetryCreates() async throws {
        let admin = try Admin(await Gmemd.api.running())
        let (name, key) = Self.fresh()
        let body: [String: any Sendable] = ["name": name, "limits": ["max_files": -1]]

        let refused = try await admin.client.post(
            "/v1/tenants", json: body, headers: ["Idempotency-Key": key])
        let again = try await admin.client.post("/v1/tenants", json: body, headers: ["Idempotency-Key": key])
        let fixed = try await admin.create(name, key: key)

        #expect(refused.status == 422)
        #expect(again.status == 422)
        #expect(again.header("Idempotent-Replayed") == nil)
        #expect(fixed.status == 201)
        #expect(try await admin.tenantIDs(named: name).count == 1)
    }

    @Test(arguments: [
        "unquoted", "\"no closing quote", "\"trailing\"x", "\"bad \\escape\"", "\"\"",
        "\"\(String(repeating: "k", count: 256))\"", "\"with\";param=1", "\"tab\there\"",
    ])
    func aMalformedKeyIs400AndCreatesNothing(key: String) async throws {
        let admin = try Admin(await Gmemd.api.running())
        let (name, _) = Self.fresh()

        let reply = try await admin.create(name, key: key)

        #expect(reply.status == 400, "\(reply.text)")
        #expect(reply.problemKind == "bad-request")
        #expect(try await admin.tenantIDs(named: name).isEmpty)
    }

    @Test func aKeyOf255CharactersWithEscapesIsTaken() async throws {
        let admin = try Admin(await Gmemd.api.running())
        let (name, _) = Self.fresh()
        let key = "\"\\\"\\\\" + String(repeating: "k", count: 253) + "\""

        let first = try await admin.create(name, key: key)
        let retry = try await admin.create(name, key: key)

        #expect(first.status == 201, "\(first.text)")
        #expect(retry.header("Idempotent-Replayed") == "true")
    }

    @Test func theKeySentTwiceIs400() async throws {
        let gmemd = try await Gmemd.api.running()
        let admin = try Admin(gmemd)
        let (name, key) = Self.fresh()
        let body = #"{"name":"\#(name)"}"#
        let connection = try RawConnection(port: gmemd.port, readTimeout: .seconds(60))

        try connection.send(
            "POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(admin.client.token ?? "")\r\n"
                + "Content-Type: application/json\r\nIdempotency-Key: \(key)\r\nIdempotency-Key: \(key)\r\n"
                + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let reply = try connection.readReply()

        #expect(reply.status == 400)
        #expect(try await admin.tenantIDs(named: name).isEmpty)
    }

    /// The point of the key: a gmemd killed after it saved the tenant (here, after it answered,
    /// which leaves the same state directory as a kill before the answer) comes back knowing the
    /// key, so the script that never heard the 201 retries and gets the tenant and its token.
    @Test func aRetryAfterKill9AndRestartGetsTheSavedTenantAndItsToken() async throws {
        let stateDirectory = try StateDirectory("idempotency")
        defer { stateDirectory.remove() }
        let (name, key) = Self.fresh()

        let killed = try await Gmemd.start(stateDirectory.flags)
        let first = try await Admin(killed, tokenFile: stateDirectory.adminTokenFile).create(name, key: key)
        killed.send(SIGKILL)
        _ = try await killed.termination(within: .seconds(20))

        try await Gmemd.withInstance(stateDirectory.flags) { gmemd in
            let admin = try Admin(gmemd, tokenFile: stateDirectory.adminTokenFile)
            let retry = try await admin.create(name, key: key)
            let other = try await admin.create(name + "-other", key: key)
            let token = try #require(retry.json?["token"] as? String)

            #expect(first.status == 201)
            #expect(retry.status == 201)
            #expect(retry.header("Idempotent-Replayed") == "true")
            #expect(retry.body == first.body)
            #expect(other.status == 422)
            #expect(try await admin.tenantIDs(named: name).count == 1)
            #expect(try await APIClient(gmemd: gmemd, token: token).get("/v1/usage").status == 200)
        }
    }

    /// A tenant name and a key no other test uses.
    private static func fresh() -> (name: String, key: String) {
        let id = UUID().uuidString.lowercased()
        return ("idem-\(id)", "\"\(id)\"")
    }
}

extension Admin {
    /// `POST /v1/tenants` for a tenant called `name`, with `key` as the Idempotency-Key field.
    fileprivate func create(_ name: String, key: String) async throws -> HTTPReply {
        try await client.post("/v1/tenants", json: ["name": name], headers: ["Idempotency-Key": key])
    }

    /// The ids of the tenants called `name`, over every page of the listing.
    fileprivate func tenantIDs(named name: String) async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        repeat {
            let page = try await client.get("/v1/tenants?limit=1000" + (cursor.map { "&cursor=\($0)" } ?? ""))
                .expecting(200, "list tenants").decoded(TenantPage.self)
            ids += page.items.filter { $0.name == name }.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        return ids
    }
}

/// `retry` is `first` again, marked as a replay: status, body, Location and ETag.
func expectReplay(_ retry: HTTPReply, of first: HTTPReply, sourceLocation: SourceLocation = #_sourceLocation)
{
    #expect(retry.status == first.status, sourceLocation: sourceLocation)
    #expect(retry.body == first.body, sourceLocation: sourceLocation)
    #expect(retry.header("Location") == first.header("Location"), sourceLocation: sourceLocation)
    #expect(retry.header("ETag") == first.header("ETag"), sourceLocation: sourceLocation)
    #expect(retry.header("Idempotent-Replayed") == "true", sourceLocation: sourceLocation)
    #expect(first.header("Idempotent-Replayed") == nil, sourceLocation: sourceLocation)
}
