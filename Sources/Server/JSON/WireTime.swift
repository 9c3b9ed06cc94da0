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

    /// The bytes of `YYYY-MM-DDTHH:MM:SS`.
    static let dateTimeLength = 19

    /// Appends `YYYY-MM-DDTHH:MM:SS` for a second since the epoch (from 1970 to 9999), without a
    /// zone, so that log lines can add their milliseconds before the `Z`.
    static func appendDateTime(secondsSinceEpoch seconds: Int, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: dateTimeLength))
        bytes.withUnsafeMutableBufferPointer { store(dateTimeOf: seconds, at: $0.baseAddress! + start) }
    }

    /// Stores `YYYY-MM-DDTHH:MM:SS` for a second since the epoch at `to`, which has room for
    /// `dateTimeLength` bytes: JSONWriter writes times in place with it.
    static func store(dateTimeOf seconds: Int, at to: UnsafeMutablePointer<UInt8>) {
        let (year, month, day) = civilDate(daysSinceEpoch: seconds / 86_400)
        let secondOfDay = seconds % 86_400
        storeDecimalDigits(UInt64(year), count: 4, at: to)
        to[4] = UInt8(ascii: "-")
        storeDecimalDigits(UInt64(month), count: 2, at: to + 5)
        to[7] = UInt8(ascii: "-")
        storeDecimalDigits(UInt64(day), count: 2, at: to + 8)
        to[10] = UInt8(ascii: "T")
        storeDecimalDigits(UInt64(secondOfDay / 3600), count: 2, at: to + 11)
        to[13] = UInt8(ascii: ":")
        storeDecimalDigits(UInt64(secondOfDay / 60 % 60), count: 2, at: to + 14)
        to[16] = UInt8(ascii: ":")
        storeDecimalDigits(UInt64(secondOfDay % 60), count: 2, at: to + 17)
    }

    /// Appends the last `count` decimal digits of `value` (≥ 0), zero-padded.
    static func appendDigits(_ value: Int, count: Int, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        bytes.withUnsafeMutableBufferPointer {
            storeDecimalDigits(UInt64(value), count: count, at: $0.baseAddress! + start)
        }
    }

}
