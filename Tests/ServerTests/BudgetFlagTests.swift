import TestSupport
import Testing

@testable import Server

/// The budgets' flags are checked at start: values that could never work are refused there, not
/// discovered at the first request.
@Suite(.timeLimit(.scaledMinutes(10)))
struct BudgetFlagTests {
    @Test(arguments: [
        ["--max-body-bytes", "2048", "--body-memory-bytes", "1024"],
        ["--admin-connections", "33"],
        ["--admin-connections", "-1"],
        ["--max-streams-per-tenant", "0"],
    ])
    func impossibleBudgetIsRefusedAtStart(_ flags: [String]) {
        #expect(throws: (any Error).self) { try Gmemd.parse(flags) }
    }

    @Test func defaultsAreTheDocumentedOnes() throws {
        let options = try Gmemd.parse([])
        let configuration = options.serverConfiguration

        #expect(configuration.bodyMemoryBytes == 256 << 20)
        #expect(configuration.reservedConnections == 16)
        #expect(options.maxStreamsPerTenant == 64)
    }
}

/// What a route's JSON body may hold is judged on its bytes, before it is decoded: strings,
/// whatever they spell, are one item each; nesting and array items are counted exactly.
@Suite(.timeLimit(.scaledMinutes(10)))
struct JSONLimitsTests {
    static let seals = JSONLimits(bytes: 4096, depth: 2, arrayItems: 3)

    @Test(arguments: [
        #"{"seals":["grow","shrink","seal"]}"#,
        #"{"seals":[]}"#,
        #"{ "seals" : [ "a\"[[[", "b]],{" , "c\\" ] }"#,
        #"{"seals":[1, 2.5e3, true]}"#,
        "not json at all: the decoder names it",
    ])
    func bodyWithinTheLimitsPasses(_ body: String) throws {
        try Self.seals.check(Array(body.utf8))
    }

    @Test(arguments: [
        (#"{"seals":["grow","shrink","seal","exec"]}"#, 422),
        (#"{"seals":[1,2,3,null]}"#, 422),
        (#"{"seals":[[1]]}"#, 422),
        (#"{"a":{"b":{}}}"#, 422),
        (#"{"seals":[""# + String(repeating: "x", count: 4096) + #""]}"#, 413),
    ])
    func bodyPastTheLimitsIsRefused(_ body: String, status: Int) {
        let problem = #expect(throws: Problem.self) { try Self.seals.check(Array(body.utf8)) }
        #expect(problem?.status == status)
    }
}
