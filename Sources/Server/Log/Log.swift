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

    /// One of gmemd's own budgets began refusing, and why: logged at notice, once per episode
    /// (each budget calls it only when it turns from granting to refusing).
    @Sendable static func budgetExhausted(_ why: String) {
        info("budget exhausted: \(why)")
    }

    static func warning(_ message: String) {
        logger.warning("\(message)")
    }
}
