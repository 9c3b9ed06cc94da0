import Foundation

/// A file under /proc, read whole.
package enum ProcFile {
    /// The text of `path`, read with fread to its end: a /proc file reports a size of 0 to
    /// stat(2), and a reader that trusts the size (as `String(contentsOfFile:)` does) gets only
    /// its first page.
    package static func text(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else {
            throw EndToEndError.commandFailed("open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[..<count] }
        return String(decoding: bytes, as: UTF8.self)
    }
}
