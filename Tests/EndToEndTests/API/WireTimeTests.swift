import Foundation
import TestSupport
import Testing

/// Times on the wire are RFC 3339 UTC to the whole second (`2026-12-06T08:16:35Z`), as Kubernetes
/// sends them: clients generated from openapi.yaml with default settings refuse fractions.
@Suite(.timeLimit(.scaledMinutes(10)))
struct WireTimeTests {
    @Test func everyTimeInTenantFileConsumerEventAndPinIsWholeSecondsUTC() async throws {
        let gmemd = try await Gmemd.api.running()
        let admin = try Admin(gmemd)
        let tenant = try await admin.createTenant()
        let file = try await tenant.createFile(size: 8192)
        let consumer = try await tenant.attach(file)
        let pin = try await tenant.pin(consumer, offset: 0, length: 4096, allocate: true)
        try await tenant.detach(consumer)
        let before = Date.now

        let replies = [
            try await admin.client.get("/v1/tenants/\(tenant.id)"),
            try await tenant.client.get(file.path),
            try await tenant.client.get(consumer.path),
            try await tenant.client.get(consumer.path + "/events"),
            try await tenant.client.get(pin.path),
        ]

        let times = try replies.flatMap { try Self.times(in: $0.expecting(200, "read").body) }
        #expect(
            Set(times.map(\.key)) == ["created_at", "updated_at", "attached_at", "detached_at", "at"])
        for (key, text) in times {
            #expect(text.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/) != nil, "\(key): \(text)")
            let time = try Date(text, strategy: .iso8601)
            #expect(abs(time.timeIntervalSince(before)) < 600, "\(key): \(text) is not about now")
        }
    }

    @Test func tenantSavedWithMillisecondsIsServedInWholeSeconds() async throws {
        let stateDirectory = try StateDirectory("time")
        defer { stateDirectory.remove() }
        let (flags, tokenFile) = (stateDirectory.flags, stateDirectory.adminTokenFile)
        let tenant = try await Gmemd.withInstance(flags) { gmemd in
            try await Admin(gmemd, tokenFile: tokenFile).createTenant(name: "old")
        }
        try stateDirectory.rewriteTenantRecords { $0["created_at"] = "2026-12-06T08:16:35.144Z" }

        let reply = try await Gmemd.withInstance(flags) { gmemd in
            try await Admin(gmemd, tokenFile: tokenFile).client.get("/v1/tenants/\(tenant.id)")
        }

        #expect(reply.json?["created_at"] as? String == "2026-12-06T08:16:35Z")
    }

    /// Every string under a key `at` or `…_at`, at any depth.
    static func times(in body: Data) throws -> [(key: String, text: String)] {
        func walk(_ value: Any, _ key: String?) -> [(key: String, text: String)] {
            switch value {
            case let object as [String: Any]: return object.flatMap { walk($0.value, $0.key) }
            case let array as [Any]: return array.flatMap { walk($0, key) }
            case let text as String where key == "at" || key?.hasSuffix("_at") == true: return [(key!, text)]
            default: return []
            }
        }
        return walk(try JSONSerialization.jsonObject(with: body), nil)
    }
}
