import Foundation
import TestSupport
import Testing

/// A tenant's creating POSTs (files, consumers, pins) with an `Idempotency-Key`: a retry gets the
/// first answer again and makes nothing more; the key with another body is 422; keys are each
/// tenant's own; once what the key made is gone, a retry makes it anew. That the keys of memfd
/// files, consumers and pins outlive a kill -9 is FileDescriptorStoreTests' (they need the
/// service manager to keep the memfds).
@Suite(.timeLimit(.scaledMinutes(10)))
struct IdempotencyKeyTenantRouteTests {
    @Test func aFileCreatedWithAKeyIsAnsweredAgainAndMadeOnce() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let key = Self.key()

        let first = try await tenant.post("/v1/files", ["name": "f", "size": 4096], key: key)
        let retry = try await tenant.post("/v1/files", ["name": "f", "size": 4096], key: key)

        #expect(first.status == 201)
        expectReplay(retry, of: first)
        #expect(try await tenant.count("/v1/files") == 1)
    }

    @Test func theKeyWithAnotherFileBodyIs422AndMakesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let key = Self.key()

        _ = try await tenant.post("/v1/files", ["name": "f", "size": 4096], key: key).expecting(201, "create")
        let refused = try await tenant.post("/v1/files", ["name": "f", "size": 8192], key: key)

        #expect(refused.status == 422)
        #expect(refused.problemKind == "idempotency-key-reused")
        #expect(try await tenant.count("/v1/files") == 1)
    }

    @Test func twoTenantsWithTheSameKeyEachGetTheirOwnFile() async throws {
        let (one, two) = (try await Gmemd.api.newTenant(), try await Gmemd.api.newTenant())
        let key = Self.key()

        let first = try await one.post("/v1/files", ["name": "f", "size": 4096], key: key)
        let second = try await two.post("/v1/files", ["name": "f", "size": 4096], key: key)

        #expect(first.status == 201)
        #expect(second.status == 201)
        #expect(second.header("Idempotent-Replayed") == nil)
        #expect(first.json?["id"] as? String != second.json?["id"] as? String)
        #expect(try await two.count("/v1/files") == 1)
    }

    @Test func creationsWithOneKeyAtOnceMakeOneFile() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let key = Self.key()

        let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
            for _ in 0..<8 {
                group.addTask { try await tenant.post("/v1/files", ["name": "f", "size": 4096], key: key) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        #expect(replies.allSatisfy { $0.status == 201 || $0.status == 409 }, "\(replies.map(\.status))")
        #expect(Set(replies.filter { $0.status == 201 }.map(\.body)).count == 1)
        #expect(try await tenant.count("/v1/files") == 1)
    }

    @Test func aConsumerAndAPinCreatedWithKeysAreMadeOnce() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 16 * 4096)
        let (consumerKey, pinKey) = (Self.key(), Self.key())

        let consumer = try await tenant.post(file.path + "/consumers", ["kind": "generic"], key: consumerKey)
        let consumerAgain = try await tenant.post(
            file.path + "/consumers", ["kind": "generic"], key: consumerKey)
        let cid = try #require(consumer.json?["id"] as? String)
        let pinBody: [String: any Sendable] = ["offset": 0, "length": 4096, "allocate": true]
        let pin = try await tenant.post("/v1/consumers/\(cid)/pins", pinBody, key: pinKey)
        let pinAgain = try await tenant.post("/v1/consumers/\(cid)/pins", pinBody, key: pinKey)

        #expect(consumer.status == 201)
        expectReplay(consumerAgain, of: consumer)
        #expect(try await tenant.count(file.path + "/consumers") == 1)
        #expect(pin.status == 201)
        expectReplay(pinAgain, of: pin)
        #expect(try await tenant.count("/v1/consumers/\(cid)/pins") == 1)
    }

    /// The key counts while its object exists: a retry after the file was deleted is not told of
    /// a file that is gone, it makes one (README, "Lifetime").
    @Test func aRetryAfterItsFileWasDeletedMakesANewFile() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let key = Self.key()
        let first = try await tenant.post("/v1/files", ["name": "f", "size": 4096], key: key)
        let id = try #require(first.json?["id"] as? String)
        _ = try await tenant.client.delete("/v1/files/\(id)").expecting(204, "delete")

        let retry = try await tenant.post("/v1/files", ["name": "f", "size": 4096], key: key)

        #expect(retry.status == 201)
        #expect(retry.header("Idempotent-Replayed") == nil)
        #expect(retry.json?["id"] as? String != id)
        #expect(try await tenant.count("/v1/files") == 1)
    }

    @Test func aRetryAfterItsConsumerDetachedAttachesANewOne() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 16 * 4096)
        let key = Self.key()
        let first = try await tenant.post(file.path + "/consumers", ["kind": "generic"], key: key)
        let id = try #require(first.json?["id"] as? String)
        _ = try await tenant.client.delete("/v1/consumers/\(id)").expecting(204, "detach")

        let retry = try await tenant.post(file.path + "/consumers", ["kind": "generic"], key: key)

        #expect(retry.status == 201)
        #expect(retry.header("Idempotent-Replayed") == nil)
        #expect(retry.json?["id"] as? String != id)
        #expect(try await tenant.count(file.path + "/consumers") == 1)
    }

    private static func key() -> String { "\"\(UUID().uuidString)\"" }
}

extension Tenant {
    /// `POST path` with `json` and `key` as the Idempotency-Key field. Keys sorted: a retry must
    /// send the same bytes, and two encodings of one dictionary may order its keys differently.
    fileprivate func post(_ path: String, _ json: [String: any Sendable], key: String) async throws
        -> HTTPReply
    {
        let body = try JSONSerialization.data(withJSONObject: json as [String: Any], options: .sortedKeys)
        return try await client.send(
            "POST", path, body: body, headers: ["Content-Type": "application/json", "Idempotency-Key": key])
    }

    /// How many items the listing at `path` holds (its first page, which is all a test makes).
    fileprivate func count(_ path: String) async throws -> Int {
        let reply = try await client.get(path).expecting(200, "list \(path)")
        return (reply.json?["items"] as? [Any])?.count ?? -1
    }
}
