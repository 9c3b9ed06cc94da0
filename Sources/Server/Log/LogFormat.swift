import ArgumentParser
import Logging

/// `--log-format`: how each log line is written on stderr.
enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `2025-01-02T03:04:05.678Z info gmemd: message key=value …`
    case text
    /// One JSON object per line: `time`, `level`, `message` and each metadata key.
    case json
}

/// `--log-level`: swift-log's levels by their names. (A conformance of `Logger.Level` itself would
/// be public, and ArgumentParser is imported internally.)
enum LogLevel: String, CaseIterable, ExpressibleByArgument, Sendable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level { Logger.Level(rawValue: rawValue)! }  // the same names, case for case
}
