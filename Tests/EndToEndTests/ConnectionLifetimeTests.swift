import Foundation
import TestSupport
import Testing

/// When gmemd keeps a connection and when it lets it go (RFC 9112 §9.3, §9.6; design.md §4
/// limits and timeouts).
@Suite(.timeLimit(.scaledMinutes(10)))
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

    /// Past --max-connections, --admin-connections places are kept: the admin's request is served
    /// there (it deletes a tenant), another is 503 with Retry-After and closed, and when every
    /// reserved place is taken the oldest silent holder is closed unanswered for the newcomer; the
    /// connections already open keep working. One loop, so that connections are taken in the
    /// order they were made.
    @Test func pastTheLimitOnlyTheAdminIsServedAndSilentHoldersMakeWay() async throws {
        try await Gmemd.withInstance(["--threads", "1", "--max-connections", "4", "--admin-connections", "2"])
        {
            gmemd in
            let bearer = "Authorization: Bearer \(try Admin(gmemd).client.token ?? "")"
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

            let silent = try RawConnection(port: gmemd.port)
            let admin = try RawConnection(port: gmemd.port)
            try admin.send("DELETE /v1/tenants/\(tenant) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(bearer)\r\n\r\n")
            let deleted = try admin.readReply()
            let stranger = try RawConnection(port: gmemd.port)
            try stranger.send(Requests.get())
            let refused = try stranger.readReply()

            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") == "1")
            #expect(refused.problemKind == "overloaded")
            #expect(try stranger.readUntilClosed().isEmpty)
            #expect(try silent.readUntilClosed().isEmpty, "the oldest silent holder made way")
            for connection in admitted {
                try connection.send(Requests.get())
                #expect(try connection.readReply().status == 200)
            }
            #expect(gmemd.log.contents.contains("budget exhausted: all 4 connections"))
        }
    }

    /// A client that holds a reserved place in silence loses it to the next one to come, so
    /// silent clients cannot keep the admin out for a header timeout at a time. One loop, so that
    /// connections are taken in the order they were made.
    @Test func aSilentClientOnTheLastReservedPlaceIsClosedForTheAdmin() async throws {
        try await Gmemd.withInstance(["--threads", "1", "--max-connections", "2", "--admin-connections", "1"])
        {
            gmemd in
            let bearer = "Authorization: Bearer \(try Admin(gmemd).client.token ?? "")"
            let admitted = try (0..<2).map { _ in try RawConnection(port: gmemd.port) }
            for connection in admitted {
                try connection.send(Requests.get())
                #expect(try connection.readReply().status == 200)
            }

            let silent = try RawConnection(port: gmemd.port)
            let admin = try RawConnection(port: gmemd.port)
            try admin.send(
                "GET /v1/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\n\(bearer)\r\n\r\n")
            let listed = try admin.readReply()

            #expect(listed.status == 200, "\(listed.text)")
            #expect(try silent.readUntilClosed().isEmpty)
        }
    }
}
