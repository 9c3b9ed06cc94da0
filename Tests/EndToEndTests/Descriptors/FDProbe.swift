import Foundation
import TestSupport

/// Tests/Scripts/fd_probe.py: Python's socket.send_fds and socket.recv_fds against gmemd's Unix
/// socket, for what curl cannot do (descriptors as SCM_RIGHTS). Each run prints one JSON object.
enum FDProbe {
    static let script = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Scripts/fd_probe.py")

    static func run(_ command: String, unix: String, tenant: [String], _ arguments: [String] = [])
        async throws -> [String: Any]
    {
        // `tenant` is curl's ["-H", "Authorization: Bearer TOKEN"].
        let token = String(tenant[1].split(separator: " ").last ?? "")
        let run = try await Subprocess.run(
            "python3", [script.path, command, unix, token] + arguments, within: .seconds(120))
        guard run.succeeded,
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        else {
            throw EndToEndError.commandFailed("fd_probe.py \(command): \(run.stdout) \(run.stderr)")
        }
        return object
    }
}

extension Gmemd {
    /// How many descriptors gmemd holds open now (/proc/PID/fd).
    var openDescriptorCount: Int {
        get throws { try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count }
    }

    /// Waits up to 10 s for gmemd's open descriptors to come back to `baseline` (a closed
    /// connection's descriptors go on its loop's next turn); answers the last count seen.
    func descriptorCount(settlingAt baseline: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        var count = try openDescriptorCount
        while count != baseline, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            count = try openDescriptorCount
        }
        return count
    }

    /// A new tenant: its curl header, and a file holding its token (for `gmemd fd --token-file`).
    func tenantWithTokenFile() async throws -> (header: [String], tokenFile: URL) {
        let header = try await newTenant().header
        let file = stateDirectory.appending(path: "token-\(UUID())")
        try String(header[1].split(separator: " ").last ?? "").write(
            to: file, atomically: true, encoding: .utf8)
        return (header, file)
    }

    /// A file of `size` bytes made by `tenant` over TCP; its id.
    func newFile(_ tenant: [String], size: Int = 65536, body: String? = nil) async throws -> String {
        let reply = try await curl(
            "/v1/files",
            tenant + [
                "-H", "Content-Type: application/json", "--data-binary",
                body ?? #"{"name":"f","size":\#(size)}"#,
            ]
        ).reply
        guard reply.status == 201, let id = reply.json?["id"] as? String else {
            throw EndToEndError.malformedResponse("POST /v1/files: \(reply.status) \(reply.text)")
        }
        return id
    }

    /// POST of a JSON body with curl over TCP.
    func post(_ path: String, _ tenant: [String], _ json: String, unix: String? = nil) async throws
        -> HTTPReply
    {
        try await curl(
            path, tenant + ["-H", "Content-Type: application/json", "--data-binary", json], unix: unix
        )
        .reply
    }
}
