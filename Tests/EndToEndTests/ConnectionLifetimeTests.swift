import Foundation
import TestSupport
import Testing

/// When gmemd keeps a connection and when it lets it go (RFC 9112 §9.3, §9.6; design.md §4
/// limits and timeouts).
@Suite(.timeLimit(.minutes(5)))
struct ConnectionLifetimeTests {
    static let shortTimeouts = SharedGmemd(flags: ["--idle-timeout", "1", "--body-timeout", "1"])

    @Test(arguments: [
        "GET /v1/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    ])
    func requestThatAsksForCloseIsAnsweredThenClosed(request: String) async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(request)

        #expect(try connection.readReply().status == 200)
        #expect(try connection.readUntilClosed().isEmpty)
    }

    @Test func idleTimeoutClosesAKeepAliveConnectionWithNoRequest() async throws {
        let gmemd = try await Self.shortTimeouts.running()
        let connection = try RawConnection(port: gmemd.port)
        try connection.send(Requests.get())
        #expect(try connection.readReply().status == 200)

        let after = try connection.readUntilClosed()

        #expect(after.isEmpty, "sent \(RawConnection.show(after))")
    }

    @Test func bodyTimeoutCutsOffAClientThatStallsMidBody() async throws {
        let gmemd = try await Self.shortTimeouts.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(Requests.post(fields: ["Content-Length: 100"], body: "only ten.."))

        let said = String(decoding: try connection.readUntilClosed(), as: UTF8.self)
        #expect(said.hasPrefix("HTTP/1.1 408"), "the server said \(said.debugDescription)")
        #expect(said.contains("urn:gmemd:problem:timeout"), "the server said \(said.debugDescription)")
    }

    /// Past --max-connections, --admin-connections places are kept: a request on one that is not
    /// the admin's is 503 with Retry-After, the admin's is served (it deletes a tenant); past
    /// those too a client is closed unanswered; the connections already open keep working.
    @Test func pastTheLimitOnlyTheAdminIsServedAndPastTheReserveClientsAreClosed() async throws {
        try await Gmemd.withInstance(["--max-connections", "4", "--admin-connections", "2"]) { gmemd in
            let token = try String(
                contentsOf: gmemd.stateDirectory.appending(path: "admin-token"), encoding: .utf8
            ).trimmingCharacters(in: .whitespacesAndNewlines)
            let bearer = "Authorization: Bearer \(token)"
            let admitted = try (0..<4).map { _ in try RawConnection(port: gmemd.port) }
            let body = #"{"name":"crowded"}"#
            try admitted[0].send(
                Requests.post(
                    "/v1/tenants",
                    fields: [bearer, "Content-Type: application/json", "Content-Length: \(body.utf8.count)"],
                    body: body))
            let tenant = try #require(admitted[0].readReply().json?["id"] as? String)
            for connection in admitted.dropFirst() {
                try connection.send(Requests.get())
                #expect(try connection.readReply().status == 200)
            }

            let stranger = try RawConnection(port: gmemd.port)
            let admin = try RawConnection(port: gmemd.port)
            try admin.send("DELETE /v1/tenants/\(tenant) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(bearer)\r\n\r\n")
            let deleted = try admin.readReply()
            let extra = try RawConnection(port: gmemd.port)
            // Had gmemd admitted it, it would answer; the send itself may meet the close (EPIPE).
            _ = Result { try extra.send(Requests.get()) }
            let said = String(decoding: try extra.readUntilClosed(), as: UTF8.self)
            try stranger.send(Requests.get())
            let refused = try stranger.readReply()

            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(said.isEmpty, "the server said \(said.debugDescription)")
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") == "1")
            #expect(refused.problemKind == "overloaded")
            #expect(try stranger.readUntilClosed().isEmpty)
            for connection in admitted {
                try connection.send(Requests.get())
                #expect(try connection.readReply().status == 200)
            }
            #expect(gmemd.log.contents.contains("budget exhausted: all 4 connections"))
        }
    }
}
