import Glibc
import TestSupport
import Testing

/// gmemd under a service manager (sd_notify): it says when it serves, keeps the watchdog fed,
/// and says when it stops. The test is the manager, listening where `$NOTIFY_SOCKET` points.
@Suite(.timeLimit(.minutes(2)))
struct ServiceNotifyTests {
    @Test(arguments: [false, true])
    func readyWatchdogAndStoppingReachTheManager(abstract: Bool) async throws {
        let manager = try ServiceManagerSocket(abstract: abstract)
        // 200 ms: gmemd must send WATCHDOG=1 every 100 ms.
        let gmemd = try await Gmemd.start(
            environment: ["NOTIFY_SOCKET": manager.address, "WATCHDOG_USEC": "200000"])
        do {
            let first = try manager.receive(within: 20_000)
            #expect(first.split(separator: "\n").contains("READY=1"), "first datagram: \(first)")
            let connection = try RawConnection(port: gmemd.port)
            try connection.send(Requests.get())
            #expect(try connection.readReply().status == 200)

            for _ in 0..<3 {
                #expect(try manager.receive(within: 5_000) == "WATCHDOG=1")
            }

            gmemd.send(SIGTERM)
            let untilStopping = try manager.receive(until: "STOPPING=1", within: 5_000)
            #expect(untilStopping.dropLast().allSatisfy { $0 == "WATCHDOG=1" }, "\(untilStopping)")
            let termination = try await gmemd.termination(within: .seconds(10))
            #expect(termination == Termination(exitedNormally: true, status: 0))
        } catch {
            try? await gmemd.stop()
            throw error
        }
        try? await gmemd.stop()
    }

    @Test func withoutWatchdogUsecOnlyReadyAndStoppingAreSent() async throws {
        let manager = try ServiceManagerSocket(abstract: false)
        let gmemd = try await Gmemd.start(environment: ["NOTIFY_SOCKET": manager.address])
        do {
            #expect(try manager.receive(within: 20_000).hasPrefix("READY=1"))
            gmemd.send(SIGTERM)
            #expect(try manager.receive(within: 5_000).hasPrefix("STOPPING=1"))
        } catch {
            try? await gmemd.stop()
            throw error
        }
        try? await gmemd.stop()
    }
}
