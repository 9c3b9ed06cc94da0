import TestSupport
import Testing

/// Clients that are slow, stall or vanish must cost the server nothing more than their own
/// connection (design.md §4, §5 "a slow or malicious client cannot stall others").
@Suite(.timeLimit(.scaledMinutes(10)))
struct SlowClientTests {
    @Test func clientStalledHalfwayThroughItsHeadDoesNotStallASecondClient() async throws {
        let gmemd = try await Gmemd.shared.running()
        let stalled = try RawConnection(port: gmemd.port)
        try stalled.send("GET /v1/health HTTP/1.1\r\nHo")

        let other = try RawConnection(port: gmemd.port)
        try other.send(Requests.get())
        let otherReply = try other.readReply()
        try stalled.send("st: 127.0.0.1\r\n\r\n")
        let stalledReply = try stalled.readReply()

        #expect(otherReply.status == 200)
        #expect(stalledReply.status == 200)
    }

    enum Departure: String, CaseIterable, Sendable {
        case close = "closes (FIN)"
        case reset = "resets (RST)"
    }

    @Test(arguments: Departure.allCases)
    func clientThatLeavesMidBodyLeavesTheServerHealthy(departure: Departure) async throws {
        let gmemd = try await Gmemd.shared.running()

        for _ in 0..<20 {
            let leaving = try RawConnection(port: gmemd.port)
            try leaving.send(
                Requests.post(fields: ["Content-Length: 100000"], body: String(repeating: "x", count: 1000)))
            switch departure {
            case .close: leaving.close()
            case .reset: leaving.reset()
            }
        }

        let check = try RawConnection(port: gmemd.port)
        try check.send(Requests.get())
        let reply = try check.readReply()
        #expect(reply.status == 200)
        #expect(reply.json?["status"] as? String == "ok")
    }

    /// The client sends a header line every quarter second, so it is never idle, but its head is
    /// never complete either; `--header-timeout 1` must cut it off. The loop's bound (15 s) is a
    /// safety net, not the measure.
    @Test func headerTimeoutCutsOffAClientDribblingItsHead() async throws {
        try await Gmemd.withInstance(["--header-timeout", "1"]) { gmemd in
            let dribbler = try RawConnection(port: gmemd.port)
            try dribbler.send("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")

            var cutOff = false
            for line in 0..<60 {
                if dribbler.isReadable(within: .milliseconds(250)) {
                    cutOff = true
                    break
                }
                do { try dribbler.send("X-Dribble-\(line): y\r\n") } catch {
                    cutOff = true
                    break
                }
            }

            #expect(cutOff, "still connected after 60 header lines over 15 s")
            let rest = try dribbler.readUntilClosed()
            let said = String(decoding: rest, as: UTF8.self)
            #expect(said.hasPrefix("HTTP/1.1 408"), "the server said \(said.debugDescription)")
        }
    }
}
