import Foundation
import TestSupport
import Testing

/// SIGUSR2: gmemd re-executes its binary with its memfds and listeners inherited, under load
/// (Tests/Scripts/upgrade_load.py): bounded clients on TCP and the Unix socket, a connection per
/// request, authenticated GETs and fallocates, while gmemd is upgraded twice.
@Suite(.timeLimit(.scaledMinutes(10)))
struct UpgradeTests {
    static let script = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Scripts/upgrade_load.py")

    /// No request fails and no connection is refused; the pid stays, every file is taken back
    /// with the same id, size, seals, allocation, content and consumers, and usage is the sum
    /// over the files.
    @Test func twoUpgradesUnderLoadFailNoRequestAndKeepEveryFile() async throws {
        let result = try await Subprocess.run(
            "python3",
            [Self.script.path, "--gmemd", try GmemdBinary.url().path, "--seconds", "6", "--upgrades", "2"],
            within: .seconds(300))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"upgrades\": 2"), "\(result.stdout)")
    }

    /// Replacing the binary is what upgrades gmemd: SIGUSR2 while the file gmemd was started from
    /// cannot be executed changes nothing (gmemd serves on, logs why); once a new file is put in
    /// its place, SIGUSR2 runs that file in gmemd's pid, and every file comes back unchanged.
    @Test func sigusr2RunsTheFileNowAtTheBinarysPathAndRefusesOneThatCannotRun() async throws {
        let result = try await Subprocess.run(
            "python3", [Self.script.path, "--gmemd", try GmemdBinary.url().path, "--swap"],
            within: .seconds(300))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"swapped\": true"), "\(result.stdout)")
    }
}
