import Foundation
import TestSupport
import Testing

/// X-Request-Id on every response: a sane client value echoed, anything else replaced.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RequestIdHeaderTests {
    @Test(arguments: ["abc", "trace-7.f_00", String(repeating: "q", count: 128)])
    func saneIdIsEchoed(id: String) async throws {
        let gmemd = try await Gmemd.shared.running()

        let reply = try await gmemd.curl("/v1/health", ["-H", "X-Request-Id: \(id)"]).reply

        #expect(reply.header("X-Request-Id") == id)
    }

    @Test(arguments: ["has space", "slash/y", "quote\"q", String(repeating: "q", count: 129)])
    func otherIdIsReplacedWithANewOne(id: String) async throws {
        let gmemd = try await Gmemd.shared.running()

        let reply = try await gmemd.curl("/v1/health", ["-H", "X-Request-Id: \(id)"]).reply

        let given = try #require(reply.header("X-Request-Id"))
        #expect(given != id)
        #expect(Self.isMadeUp(given), "\(given)")
    }

    @Test func everyResponseCarriesAnIdOfItsOwnErrorsIncluded() async throws {
        let gmemd = try await Gmemd.shared.running()

        let replies = [
            try await gmemd.get("/v1/health"), try await gmemd.get("/v1/health"),
            try await gmemd.get("/no/such/route"),
            try await gmemd.request("DELETE", "/v1/health"),
        ]

        let ids = replies.compactMap { $0.header("X-Request-Id") }
        #expect(ids.count == replies.count)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy(Self.isMadeUp))
    }

    @Test func requestRefusedByTheParserCarriesAnIdToo() async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send("GET /v1/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")

        let reply = try connection.readReply()
        #expect(reply.status == 400)
        #expect(reply.header("X-Request-Id").map(Self.isMadeUp) == true)
    }

    /// gmemd's own ids: 8 hex digits, a dash, a hex counter.
    static func isMadeUp(_ id: String) -> Bool {
        let parts = id.split(separator: "-")
        return parts.count == 2 && parts[0].count == 8 && id.allSatisfy { $0 == "-" || $0.isHexDigit }
    }
}
