import TestSupport
import Testing

/// Many clients at once, each reusing its connection (design.md §4 keep-alive, §5 scale).
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConcurrencyTests {
    @Test func twoHundredConnectionsOfFiftyKeepAliveRequestsAllGetCorrectAnswers() async throws {
        let gmemd = try await Gmemd.shared.running()
        let load = KeepAliveLoad(connections: 200, requestsEach: 50, request: Requests.get())

        let outcome = try await load.run(port: gmemd.port) { reply in
            reply.status == 200 && reply.json?["status"] as? String == "ok"
        }

        #expect(outcome.failures.isEmpty)
        #expect(outcome.answered == 200 * 50)
        let after = try await gmemd.get("/v1/health")
        #expect(after.status == 200)
    }
}
