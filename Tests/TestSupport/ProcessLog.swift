import Foundation
import Locking

/// Everything a gmemd process writes to stdout and stderr, read on a thread of its own from the
/// start to the end so that a chatty server never blocks on a full pipe. It also watches for the
/// `listening on http://127.0.0.1:PORT` line that the binary contract promises (`https://` with
/// TLS), and for the `listening on unix:PATH` line of a gmemd with `--unix`.
package final class ProcessLog: Sendable {
    package let port = OneShot<Int>()
    package let unixPath = OneShot<String>()
    private let text = PthreadMutex("")

    /// Starts draining the pipe's read end `fd`, which it then owns; the thread ends, closing it,
    /// when the process has exited and so closed the write end.
    package init(draining fd: Int32) {
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                append(String(decoding: chunk[..<count], as: UTF8.self))
            }
            close(fd)
            port.fulfil(.failure(EndToEndError.startFailed(contents)))
            unixPath.fulfil(.failure(EndToEndError.startFailed(contents)))
        }
    }

    package var contents: String { text.withLock { $0 } }

    private func append(_ piece: String) {
        let all = text.withLock { text in
            text += piece
            return text
        }
        if !port.isFulfilled, let found = Self.listeningPort(in: all) { port.fulfil(.success(found)) }
        if !unixPath.isFulfilled, let found = Self.unixSocketPath(in: all) {
            unixPath.fulfil(.success(found))
        }
    }

    private static func unixSocketPath(in log: String) -> String? {
        guard let marker = log.range(of: "listening on unix:") else { return nil }
        let rest = log[marker.upperBound...]
        guard let end = rest.firstIndex(of: "\n") else { return nil }
        return String(rest[..<end])
    }

    private static func listeningPort(in log: String) -> Int? {
        guard
            let marker = log.range(of: "listening on http://127.0.0.1:")
                ?? log.range(of: "listening on https://127.0.0.1:")
        else { return nil }
        let digits = log[marker.upperBound...].prefix { $0.isNumber }
        // The digits are complete only once something follows them (the line may arrive in pieces).
        guard digits.endIndex < log.endIndex else { return nil }
        return Int(digits)
    }
}
