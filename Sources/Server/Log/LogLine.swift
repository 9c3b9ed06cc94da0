import Glibc
import HTTP
import Logging

/// One log line being built, as text (`time level gmemd: message key=value`) or as a JSON object
/// (RFC 8259) with `time`, `level`, `message` and then the fields. Built from bytes, without
/// string interpolation: a request line is made for every request.
struct LogLine {
    let format: LogFormat
    private(set) var bytes: [UInt8] = []

    init(format: LogFormat) {
        self.format = format
        bytes.reserveCapacity(256)
    }

    mutating func begin(level: Logger.Level, message: String) {
        switch format {
        case .text:
            appendTime()
            bytes.append(UInt8(ascii: " "))
            append(level.rawValue)
            append(" gmemd: ")
            append(message)
        case .json:
            append(#"{"time":""#)
            appendTime()
            append(#"","level":""#)
            append(level.rawValue)
            append(#"","message":"#)
            appendJSONString(message)
        }
    }

    /// A field whose value is text.
    mutating func add(_ key: StaticString, text value: String) {
        beginField(key)
        switch format {
        case .text: append(value)
        case .json: appendJSONString(value)
        }
    }

    /// A field whose value is a number: bare in JSON too.
    mutating func add(_ key: StaticString, number value: Int) {
        beginField(key)
        appendDecimal(value)
    }

    /// A duration in milliseconds with three decimals (`0.125`), a number in JSON.
    mutating func add(_ key: StaticString, milliseconds duration: Duration) {
        beginField(key)
        let (seconds, attoseconds) = duration.components
        let micros = Int(seconds) &* 1_000_000 &+ Int(attoseconds / 1_000_000_000_000)
        appendDecimal(micros / 1000)
        bytes.append(UInt8(ascii: "."))
        let fraction = micros % 1000
        if fraction < 100 { bytes.append(UInt8(ascii: "0")) }
        if fraction < 10 { bytes.append(UInt8(ascii: "0")) }
        appendDecimal(fraction)
    }

    /// A swift-log metadata entry.
    mutating func add(_ key: String, _ value: Logger.MetadataValue) {
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            append(key)
            bytes.append(UInt8(ascii: "="))
            append(value.description)
        case .json:
            bytes.append(UInt8(ascii: ","))
            appendJSONString(key)
            bytes.append(UInt8(ascii: ":"))
            appendJSON(value)
        }
    }

    mutating func end() {
        if format == .json { bytes.append(UInt8(ascii: "}")) }
        bytes.append(UInt8(ascii: "\n"))
    }

    private mutating func beginField(_ key: StaticString) {
        switch format {
        case .text:
            bytes.append(UInt8(ascii: " "))
            append(key)
            bytes.append(UInt8(ascii: "="))
        case .json:
            append(",\"")
            append(key)
            append("\":")
        }
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func appendDecimal(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withDecimalDigits(of: value.magnitude) { bytes.append(contentsOf: $0) }
    }

    /// RFC 3339 UTC with milliseconds: `2025-01-02T03:04:05.678Z` (the API's times are whole
    /// seconds; a log wants finer). The corresponding C call is `clock_gettime` (the vDSO answers
    /// it); the calendar is WireTime's, cheaper than gmtime_r per line.
    private mutating func appendTime() {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        WireTime.appendDateTime(secondsSinceEpoch: now.tv_sec, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        WireTime.appendDigits(now.tv_nsec / 1_000_000, count: 3, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }

    private mutating func appendJSON(_ value: Logger.MetadataValue) {
        switch value {
        case .string(let text): appendJSONString(text)
        case .stringConvertible(let convertible): appendJSONString(convertible.description)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendJSON(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let entries):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in entries.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                appendJSONString(key)
                bytes.append(UInt8(ascii: ":"))
                // SAFETY of the unwrap: `key` was just read from `entries`.
                appendJSON(entries[key]!)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string literal: quote, backslash and controls escaped (RFC 8259 §7).
    private mutating func appendJSONString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0..<0x20:
                append("\\u00")
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0xF))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
