import Logging

/// gmemd's logger (swift-log), set up by `LogSetup.bootstrap` before the first line. Operator
/// messages go through `Log.info` and are logged at notice, so that the default level shows
/// them; request lines, at info, through `RequestLog`.
enum Log {
    static let logger = Logger(label: "gmemd")

    /// An operator message (gmemd started, stopped, made a token): logged at notice.
    static func info(_ message: String) {
        logger.notice("\(message)")
    }

    static func warning(_ message: String) {
        logger.warning("\(message)")
    }
}
