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

    /// Connections past --max-connections are closed at once, unanswered (an answer would cost the
    /// server what the limit is there to save); those already open keep working.
    @Test func connectionPastTheLimitIsClosedAndTheOthersKeepWorking() async throws {
        try await Gmemd.withInstance(["--max-connections", "4"]) { gmemd in
            let admitted = try (0..<4).map { _ in try RawConnection(port: gmemd.port) }
            for connection in admitted {
                try connection.send(Requests.get())
                #expect(try connection.readReply().status == 200)
            }

            let extra = try RawConnection(port: gmemd.port)
            // A request on it: had gmemd admitted the connection, it would answer (a close alone
            // could be a timeout's); the send itself may meet the close (EPIPE).
            _ = Result { try extra.send(Requests.get()) }
            let said = String(decoding: try extra.readUntilClosed(), as: UTF8.self)

            #expect(said.isEmpty, "the server said \(said.debugDescription)")
            for connection in admitted {
                try connection.send(Requests.get())
                #expect(try connection.readReply().status == 200)
            }
        }
    }
}
