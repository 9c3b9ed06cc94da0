import Foundation
import TestSupport

/// An event stream read by `curl -N` (no buffering), as a person would watch one in a terminal:
/// curl's stdout is a pipe this side reads on a thread of its own and feeds to an
/// `EventStreamReader` as bytes come.
struct CurlEventStream: Sendable {
    let reader = EventStreamReader()
    let process: ChildProcess

    /// Starts `curl -sS -N` on `url` with `Accept: text/event-stream`, `headers` and `arguments`.
    static func open(
        _ url: URL, token: String, headers: [String: String] = [:], arguments more: [String] = []
    )
        throws -> CurlEventStream
    {
        var output: [Int32] = [0, 0]
        guard pipe(&output) == 0 else { throw EndToEndError.commandFailed("pipe") }
        _ = fcntl(output[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(output[1], F_SETFD, FD_CLOEXEC)
        var arguments = [
            "-sS", "-N", "--max-time", "60", "-H", "Accept: text/event-stream", "-H",
            "Authorization: Bearer \(token)",
        ]
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        arguments += more
        let process: ChildProcess
        do {
            defer { close(output[1]) }
            process = try ChildProcess("curl", arguments + [url.absoluteString], stdout: output[1], stderr: 2)
        }
        let stream = CurlEventStream(process: process)
        Thread.detachNewThread { [reader = stream.reader, fd = output[0]] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                reader.feed(chunk[..<count])
            }
            close(fd)
            reader.end()
        }
        return stream
    }
}
