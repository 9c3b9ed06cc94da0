import Foundation

/// Times on the wire: RFC 3339 in UTC with milliseconds.
enum WireTime {
    static func now() -> String { string(Date()) }

    static func string(_ date: Date) -> String {
        date.formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)
        )
    }

    static func string(secondsSince1970 seconds: Double) -> String {
        string(Date(timeIntervalSince1970: seconds))
    }
}
