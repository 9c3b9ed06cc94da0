import Glibc
import TestSupport
import Testing

/// SIGTERM and SIGINT stop gmemd cleanly (exit 0), and promptly when nothing is in flight.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ShutdownTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var signal: Int32
        var holdsIdleKeepAlive: Bool
    }

    static let cases = [
        Case(testDescription: "SIGTERM", signal: SIGTERM, holdsIdleKeepAlive: false),
        Case(testDescription: "SIGINT", signal: SIGINT, holdsIdleKeepAlive: false),
        Case(
            testDescription: "SIGTERM with an idle keep-alive connection open", signal: SIGTERM,
            holdsIdleKeepAlive: true),
    ]

    /// The signal goes out as soon as gmemd says it is listening, as a supervisor's may: a signal
    /// in that window must not be lost. An idle server must not wait out its grace: it runs with
    /// a grace longer than the wait for its exit, so a server that waited it out fails the test
    /// whatever the machine's speed.
    @Test(arguments: cases)
    func idleServerExitsZeroSoonAfterTheSignal(shutdown: Case) async throws {
        try await Gmemd.withInstance(["--shutdown-grace", "600"]) { gmemd in
            var idle: RawConnection?
            if shutdown.holdsIdleKeepAlive {
                idle = try RawConnection(port: gmemd.port)
                try idle?.send(Requests.get())
                #expect(try idle?.readReply().status == 200)
            }

            gmemd.send(shutdown.signal)

            let termination = try await gmemd.termination(within: .seconds(120))
            #expect(
                termination == Termination(exitedNormally: true, status: 0), "log:\n\(gmemd.log.contents)")
            if let idle { #expect(try idle.readUntilClosed().isEmpty) }
        }
    }
}
