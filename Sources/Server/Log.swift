import Foundation

/// Operator messages on stderr, one line each. Request logs come with the operations issue.
enum Log {
    static func info(_ message: String) {
        FileHandle.standardError.write(Data("gmemd: \(message)\n".utf8))
    }
}
