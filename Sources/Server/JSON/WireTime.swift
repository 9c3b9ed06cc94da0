import FoundationEssentials
import GuestMem
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

/// Times on the wire: RFC 3339 in UTC to the whole second, `2026-12-06T08:16:35Z`, as Kubernetes
/// sends them. Clients generated from openapi.yaml with default settings read exactly this form
/// (swift-openapi-generator's default transcoder refuses fractional seconds); what happened first
/// within a second is told by ids and event seqs, not by times.
enum WireTime {
    static func now() -> String { string(.now()) }

    static func string(_ time: Timestamp) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(20)
        appendDateTime(secondsSinceEpoch: Int(time.nanosecondsSinceEpoch / 1_000_000_000), to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The instant a time gmemd saved names, to the whole second, or nil for anything else:
    /// `2026-12-06T08:16:35Z`, or with the milliseconds that tenant records saved before times
    /// were whole seconds carry (`2026-12-06T08:16:35.144Z`). Read at start only.
    static func timestamp(_ saved: String) -> Timestamp? {
        let whole = Date.ISO8601FormatStyle()
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard saved.hasSuffix("Z"), let date = (try? whole.parse(saved)) ?? (try? fractional.parse(saved))
        else {
            return nil
        }
        return Timestamp(
            nanosecondsSinceEpoch: Int64(date.timeIntervalSince1970.rounded(.down)) * 1_000_000_000)
    }

    /// Appends `"YYYY-MM-DDTHH:MM:SSZ"`, the string `string(_:)` makes, quotes included.
    static func appendQuoted(_ time: Timestamp, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        appendDateTime(secondsSinceEpoch: Int(time.nanosecondsSinceEpoch / 1_000_000_000), to: &bytes)
        bytes.append(contentsOf: [UInt8(ascii: "Z"), UInt8(ascii: "\"")])
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS` for a second since the epoch (from 1970 to 9999), without a
    /// zone, so that log lines can add their milliseconds before the `Z`.
    static func appendDateTime(secondsSinceEpoch seconds: Int, to bytes: inout [UInt8]) {
        let (year, month, day) = civilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        appendDigits(year, count: 4, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(month, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(day, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(secondOfDay / 3600, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay / 60 % 60, count: 2, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(secondOfDay % 60, count: 2, to: &bytes)
    }

    /// The last `count` decimal digits of `value` (≥ 0), zero-padded.
    static func appendDigits(_ value: Int, count: Int, to bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<count { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
