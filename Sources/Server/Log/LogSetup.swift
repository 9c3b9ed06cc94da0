import Logging

/// Installs gmemd's log handler for the whole process, once, before the first line is logged.
enum LogSetup {
    static func bootstrap(format: LogFormat, level: Logger.Level) {
        LogSink.shared.start()
        LoggingSystem.bootstrap { _ in LineLogHandler(format: format, level: level) }
    }
}
