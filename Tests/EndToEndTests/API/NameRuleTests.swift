import Foundation
import TestSupport
import Testing

/// One rule for every name a client gives (a tenant's, a VM's, a file's, a consumer's label):
/// 1 to 128 code points, printable, on one line. Every route refuses a name alike: 422 EINVAL,
/// and nothing is made.
@Suite(.timeLimit(.scaledMinutes(10)))
struct NameRuleTests {
    /// Its own instance, so that the tenant listing holds only what these tests made.
    static let instance = SharedGmemd()

    struct Route: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var path: String
        var field: String
        var body: [String: any Sendable] = [:]
    }

    static let routes = [
        Route(testDescription: "tenant", path: "/v1/tenants", field: "name"),
        Route(testDescription: "vm", path: "/v1/vms", field: "name"),
        Route(testDescription: "file", path: "/v1/files", field: "name", body: ["size": 4096]),
        Route(
            testDescription: "consumer", path: "/v1/files/{fid}/consumers", field: "label",
            body: ["kind": "generic"]),
    ]

    static let badNames = [
        "", "nul\u{0}byte", "line\nbreak", "carriage\rreturn", "tab\there", "del\u{7F}", "next line\u{85}",
        "line\u{2028}separator", "paragraph\u{2029}separator", String(repeating: "x", count: 129),
        // 128 Characters, as Swift counts them, but 256 code points, as JSON Schema counts them.
        accented(128), String(repeating: "\u{1F1E9}\u{1F1EA}", count: 65), accented(64) + "x",
    ]

    /// "é" as e and a combining acute accent: one Character, two Unicode code points.
    static func accented(_ characters: Int) -> String { String(repeating: "e\u{301}", count: characters) }

    @Test func badNamesAreRefusedAlikeOnEveryRouteAndMakeNothing() async throws {
        let gmemd = try await Self.instance.running()
        let admin = try Admin(gmemd)
        let tenant = try await admin.createTenant(name: "names")
        let file = try await tenant.createFile(size: 4096)

        for route in Self.routes {
            let client = route.path == "/v1/tenants" ? admin.client : tenant.client
            let path = route.path.replacingOccurrences(of: "{fid}", with: file.id)
            for name in Self.badNames {
                var body = route.body
                body[route.field] = name

                let reply = try await client.post(path, json: body)

                #expect(
                    reply.status == 422, "\(route.testDescription) \(name.debugDescription): \(reply.text)")
                #expect(reply.problem?.errno == "EINVAL", "\(route.testDescription) \(name.debugDescription)")
                #expect(reply.problem?.detail.hasPrefix("\(route.field) must be 1 to 128 printable") == true)
            }
        }

        let tenants = try await admin.client.get("/v1/tenants").expecting(200, "list tenants")
        #expect((tenants.json?["items"] as? [Any])?.count == 1)
        let usage =
            try await tenant.client.get("/v1/usage").expecting(200, "usage").json?["usage"] as? [String: Any]
        #expect(usage?["files"] as? Int == 1)
        #expect(usage?["consumers"] as? Int == 0)
        #expect(usage?["vms"] as? Int == 0)
    }

    /// 128 two-byte characters are 256 bytes: more than memfd_create(2) takes, and still a name.
    /// 64 accented letters or 64 flags are 64 Characters and exactly 128 code points.
    @Test(arguments: [
        "vm team ü 🚀 \"quoted\" \\ /", String(repeating: "é", count: 128), accented(64),
        String(repeating: "\u{1F1E9}\u{1F1EA}", count: 64),
    ])
    func printableNamesOnOneLineAreTakenWholeByTenantsFilesAndConsumers(name: String) async throws {
        let admin = try Admin(try await Gmemd.api.running())
        let created = try await admin.client.post("/v1/tenants", json: ["name": name]).expecting(
            201, "tenant")
        let tenant = try await admin.createTenant(name: "names")

        let file = try await tenant.createFile(size: 4096, name: name)
        let consumer = try await tenant.client.post(
            file.path + "/consumers", json: ["kind": "generic", "label": name]
        ).expecting(201, "consumer")

        #expect(created.json?["name"] as? String == name)
        #expect(try await tenant.file(file.id).name == name)
        #expect(consumer.json?["label"] as? String == name)
    }
}
