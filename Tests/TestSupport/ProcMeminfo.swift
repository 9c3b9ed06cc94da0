import Foundation

/// The fields of /proc/meminfo, read once.
package struct ProcMeminfo: Sendable {
    private let fields: [String: Int64]

    /// Reads /proc/meminfo now. Read with fread: a /proc file reports a size of 0 to stat(2).
    package init() throws {
        guard let file = fopen("/proc/meminfo", "r") else {
            throw EndToEndError.commandFailed("open /proc/meminfo: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[..<count] }
        self.init(String(decoding: bytes, as: UTF8.self))
    }

    /// Parses lines like `MemAvailable:   123456 kB` and `HugePages_Total:   0`.
    package init(_ text: String) {
        var fields: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count >= 2, words[0].hasSuffix(":"), let value = Int64(words[1]) else { continue }
            fields[String(words[0].dropLast())] = words.count > 2 && words[2] == "kB" ? value * 1024 : value
        }
        self.fields = fields
    }

    /// A field's value: bytes for the fields the kernel gives in kB, a count for the others.
    package subscript(_ name: String) -> Int64? { fields[name] }

    package static func bytes(_ name: String) throws -> Int64 {
        guard let value = try ProcMeminfo()[name] else {
            throw EndToEndError.commandFailed("no \(name) in /proc/meminfo")
        }
        return value
    }
}
