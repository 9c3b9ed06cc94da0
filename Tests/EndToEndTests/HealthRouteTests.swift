import Foundation
import TestSupport
import Testing

/// The routes every gmemd serves before any tenant exists, seen through URLSession.
@Suite(.timeLimit(.scaledMinutes(10)))
struct HealthRouteTests {
    @Test func healthIs200JSONWithStatusOKVersionAndKernel() async throws {
        let gmemd = try await Gmemd.shared.running()

        let reply = try await gmemd.get("/v1/health")

        #expect(reply.status == 200)
        #expect(reply.contentType?.hasPrefix("application/json") == true)
        let json = try #require(reply.json, "body: \(reply.text)")
        #expect(json["status"] as? String == "ok")
        #expect(json["version"] is String)
        #expect(json["kernel"] is String)
    }

    @Test(arguments: ["/v1/nope", "/", "/v1/health/extra", "/v2/health", "/v1/files/file_x/unknown"])
    func unknownPathIs404ProblemJSON(path: String) async throws {
        let gmemd = try await Gmemd.shared.running()

        let reply = try await gmemd.get(path)

        #expect(reply.status == 404)
        let problem = try #require(
            reply.problem, "content type \(reply.contentType ?? "none"), body \(reply.text)")
        #expect(problem.status == 404)
        #expect(!problem.title.isEmpty)
    }

    @Test(arguments: ["DELETE", "PUT", "POST", "PATCH"])
    func wrongMethodOnHealthIs405WithAllowNamingGET(method: String) async throws {
        let gmemd = try await Gmemd.shared.running()

        let reply = try await gmemd.request(method, "/v1/health")

        #expect(reply.status == 405)
        let allow = try #require(reply.header("Allow"), "no Allow header in \(reply.fields)")
        #expect(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains("GET"))
        #expect(reply.problem?.status == 405)
    }
}
