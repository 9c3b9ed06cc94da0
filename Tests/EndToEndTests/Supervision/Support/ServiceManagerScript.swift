import Foundation
import TestSupport

/// Tests/Scripts/service_manager.py, which plays systemd's side of sd_notify (the fd store, the
/// watchdog) and of socket activation for the gmemd under test, one subcommand per scenario.
enum ServiceManagerScript {
    static let path = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appending(path: "Scripts/service_manager.py").path

    /// Runs one subcommand with `arguments` against the built gmemd, bounded by `limit`.
    static func run(_ arguments: [String], within limit: Duration) async throws -> Subprocess {
        try await Subprocess.run(
            "python3", [path] + arguments + ["--gmemd", try GmemdBinary.url().path], within: limit)
    }
}
