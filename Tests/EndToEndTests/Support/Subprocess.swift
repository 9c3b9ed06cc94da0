import Foundation
import TestSupport

/// Runs a command-line tool (curl, python3) found on PATH, with its output in temporary files so
/// that no pipe can fill up and stall it.
struct Subprocess: Sendable {
    var status: Termination
    var stdout: String
    var stderr: String

    static func run(_ tool: String, _ arguments: [String], within limit: Duration = .seconds(60)) async throws
        -> Subprocess
    {
        let folder = FileManager.default.temporaryDirectory.appending(path: "e2e-run-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stdoutFile = folder.appending(path: "stdout"), stderrFile = folder.appending(path: "stderr")
        let stdout = open(stdoutFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let stderr = open(stderrFile.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer {
            close(stdout)
            close(stderr)
        }
        let child = try ChildProcess(tool, arguments, stdout: stdout, stderr: stderr)
        let status: Termination
        do {
            status = try await child.termination(within: limit)
        } catch {
            child.send(SIGKILL)
            throw error
        }
        return Subprocess(
            status: status,
            stdout: try String(contentsOf: stdoutFile, encoding: .utf8),
            stderr: try String(contentsOf: stderrFile, encoding: .utf8))
    }

    var succeeded: Bool { status == Termination(exitedNormally: true, status: 0) }
}
