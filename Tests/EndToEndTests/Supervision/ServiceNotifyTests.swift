import Foundation
import Glibc
import TestSupport
import Testing

/// gmemd under a service manager (sd_notify): it says when it serves, keeps the watchdog fed,
/// and says when it stops. The test is the manager, listening where `$NOTIFY_SOCKET` points.
@Suite(.timeLimit(.scaledMinutes(10)))
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

    /// The watchdog follows the event loops: while the thread of one loop is held stopped (by
    /// ptrace, the rest of gmemd running, as a loop stuck in a call would be), WATCHDOG=1 stops
    /// and gmemd logs why; once that thread runs again, it comes back. The manager is
    /// Tests/Scripts/service_manager.py. A test-only switch that froze a loop was not wanted: it
    /// would test the switch; a stopped thread is the real condition the watchdog is there for.
    @Test(.enabled(if: ThreadTracing.isPermitted, ThreadTracing.reason))
    func aLoopHeldStoppedWithholdsWatchdogUntilItRunsAgain() async throws {
        let result = try await ServiceManagerScript.run(["watchdog"], within: .seconds(120))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"fed_while_stopped\""), "\(result.stdout)")
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

/// Whether this process may stop one thread of a child with ptrace(2) (PTRACE_SEIZE): Yama's
/// ptrace_scope allows tracing descendants up to 1, and a seccomp filter may refuse ptrace
/// outright, so a filtered process does not try.
enum ThreadTracing {
    static let reason: Comment =
        "needs ptrace(2) of a child's thread: /proc/sys/kernel/yama/ptrace_scope above 1, or a seccomp filter"

    static let isPermitted: Bool = {
        let scope = (try? String(contentsOfFile: "/proc/sys/kernel/yama/ptrace_scope", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let filtered = status.split(separator: "\n").contains {
            $0.hasPrefix("Seccomp:") && !$0.hasSuffix("\t0")
        }
        return (scope ?? 0) <= 1 && !filtered
    }()
}
