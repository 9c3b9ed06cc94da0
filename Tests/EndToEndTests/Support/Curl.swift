import Foundation
import TestSupport

/// One curl invocation against gmemd, as a user would type it, with what it printed.
struct Curl: Sendable {
    /// The final response (curl's `-D` dump holds any 1xx before it; only the last block counts).
    var reply: HTTPReply
    /// curl's `-v` trace: `>` lines were sent, `<` lines received, `*` lines are curl's own notes.
    var trace: String
    /// What `--write-out` printed, one line per transfer.
    var writeOut: [String]

    /// Runs `curl -sS -v -D … -o … <arguments>` and fails unless curl itself succeeded.
    static func run(_ arguments: [String]) async throws -> Curl {
        let folder = FileManager.default.temporaryDirectory.appending(path: "e2e-curl-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let headers = folder.appending(path: "headers"), body = folder.appending(path: "body")
        let result = try await Subprocess.run(
            "curl",
            ["-sS", "-v", "--max-time", "30", "-D", headers.path, "-o", body.path] + arguments)
        guard result.succeeded else {
            throw EndToEndError.commandFailed("curl \(arguments) exited \(result.status):\n\(result.stderr)")
        }
        let dump = try String(contentsOf: headers, encoding: .utf8)
        let lastHead = dump.components(separatedBy: "\r\n\r\n").last { !$0.isEmpty } ?? ""
        var bytes = Array((lastHead + "\r\n\r\n").utf8)
        guard var reply = try ResponseParser.take(from: &bytes, toHEAD: true, atEnd: true) else {
            throw EndToEndError.malformedResponse("curl header dump \(dump.debugDescription)")
        }
        reply.body = (try? Data(contentsOf: body)) ?? Data()
        let lines = result.stdout.split(separator: "\n").map(String.init)
        return Curl(reply: reply, trace: result.stderr, writeOut: lines)
    }
}
