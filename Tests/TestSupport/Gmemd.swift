package import Foundation

/// One running `gmemd` on a free port of 127.0.0.1, with a temporary state directory of its own.
package final class Gmemd: Sendable {
    package let port: Int
    package let stateDirectory: URL
    package let log: ProcessLog
    private let process: ChildProcess

    /// Starts gmemd with `--listen 127.0.0.1:0 --state-dir <new dir>` plus `flags`, and returns once
    /// it has said which port it listens on. `environment` is added to the test runner's (GMEMD_…
    /// settings); with `tcp` false no `--listen` is given (the flags bring `--listen none --unix …`),
    /// it returns once gmemd has said where its Unix socket is, and `port` is 0. `launcher` is a
    /// command that runs gmemd as its last arguments (`prlimit --nofile=512:512 --`).
    package static func start(
        _ flags: [String] = [], environment: [String: String] = [:], tcp: Bool = true, launcher: [String] = []
    ) async throws -> Gmemd {
        let binary = try GmemdBinary.url()
        let stateDirectory = FileManager.default.temporaryDirectory.appending(path: "gmemd-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else {
            throw EndToEndError.commandFailed("pipe: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec, so that no other child started meanwhile holds the write end and delays EOF.
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(output[1], F_SETFD, FD_CLOEXEC)
        let log = ProcessLog(draining: output[0])
        let process: ChildProcess
        do {
            defer { close(output[1]) }
            let listen = tcp ? ["--listen", "127.0.0.1:0"] : []
            let arguments = listen + ["--state-dir", stateDirectory.path] + flags
            // env(1) adds the variables for this child only; the runner's own environment stays.
            let variables = environment.map { "\($0.key)=\($0.value)" }
            let command =
                launcher + (variables.isEmpty ? [] : ["env"] + variables) + [binary.path] + arguments
            process = try ChildProcess(
                command[0], Array(command.dropFirst()), stdout: output[1], stderr: output[1])
        }
        Leftovers.register(pid: process.pid, stateDirectory: stateDirectory)
        do {
            var port = 0
            if tcp {
                port = try await log.port.value(within: .seconds(20), "gmemd to print its port")
            } else {
                _ = try await log.unixPath.value(within: .seconds(20), "gmemd to print its socket")
            }
            return Gmemd(port: port, process: process, stateDirectory: stateDirectory, log: log)
        } catch {
            process.send(SIGKILL)
            Leftovers.forget(pid: process.pid)
            throw error
        }
    }

    private init(port: Int, process: ChildProcess, stateDirectory: URL, log: ProcessLog) {
        (self.port, self.process, self.stateDirectory, self.log) = (port, process, stateDirectory, log)
    }

    package func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)\(path)")! }

    /// The process id, to look at its open descriptors in /proc.
    package var pid: pid_t { process.pid }

    package func send(_ signal: Int32) { process.send(signal) }

    /// Its resident set now, from /proc/PID/status (VmRSS), in bytes.
    package func residentBytes() throws -> Int64 {
        let status = try String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int64($0) })
        else { throw EndToEndError.commandFailed("no VmRSS for gmemd") }
        return kib * 1024
    }

    /// How the process ended, or a timeout error if it is still running after `limit`.
    package func termination(within limit: Duration) async throws -> Termination {
        do {
            return try await process.termination(within: limit)
        } catch {
            throw EndToEndError.timedOut(
                "gmemd (pid \(process.pid)) to exit within \(limit); its output:\n\(log.contents)")
        }
    }

    /// SIGTERM, then SIGKILL if it is still there after `grace`; removes the state directory.
    /// gmemd gives requests in flight 10 s to finish before it exits (its shutdown grace): a test
    /// that leaves one open, such as an upload whose body never comes, stops it in about that
    /// time, so `grace` is longer.
    package func stop(grace: Duration = .seconds(20)) async throws {
        send(SIGTERM)
        defer {
            send(SIGKILL)
            Leftovers.forget(pid: process.pid)
        }
        _ = try await termination(within: grace)
    }
}
