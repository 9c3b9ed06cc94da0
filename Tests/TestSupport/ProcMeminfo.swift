import Foundation

/// The fields of /proc/meminfo, read once.
package struct ProcMeminfo: Sendable {
    private let fields: [String: Int64]

    /// Reads /proc/meminfo now.
    package init() throws {
        self.init(try ProcFile.text("/proc/meminfo"))
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
