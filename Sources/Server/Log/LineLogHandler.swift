import Logging

/// A swift-log handler that writes each event as one line, as text or JSON, through `LogSink`.
struct LineLogHandler: LogHandler {
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(format: LogFormat, level: Logger.Level) {
        self.format = format
        logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = LogLine(format: format)
        line.begin(level: event.level, message: event.message.description)
        // Merged only when there is more than the event's own (never, in gmemd): a request
        // line must not pay for dictionaries it does not use.
        var fields = event.metadata ?? [:]
        if !metadata.isEmpty || metadataProvider != nil {
            fields = metadata
            if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
            if let extra = event.metadata { fields.merge(extra) { $1 } }
        }
        for (key, value) in fields.count > 1 ? fields.sorted(by: { $0.key < $1.key }) : Array(fields) {
            if case .stringConvertible(let value as LogFields) = value {
                value.append(to: &line)
            } else {
                line.add(key, value)
            }
        }
        line.end()
        line.bytes.withUnsafeBytes { LogSink.shared.write($0, immediately: event.level >= .notice) }
    }
}
