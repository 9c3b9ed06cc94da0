import Glibc

/// The `Date` header value (RFC 9110 §5.6.7 IMF-fixdate), rebuilt at most once per second.
/// One per loop, so it needs no lock.
struct DateCache {
    private(set) var bytes: [UInt8] = []
    private var second = -1

    /// Rebuilds the value if the wall-clock second has changed. The corresponding C call is
    /// `time`, which the vDSO answers without entering the kernel.
    mutating func refresh() {
        let now = time(nil)
        guard now != second else { return }
        second = now
        bytes = Self.imfFixdate(secondsSinceEpoch: now)
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for the given second.
    static func imfFixdate(secondsSinceEpoch seconds: Int) -> [UInt8] {
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let text =
            "\(weekdays[days % 7]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
        return Array(text.utf8)
    }

}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`,
/// for days ≥ 0). Also for Server's log lines, which stamp every line.
package func civilDate(daysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
    let shifted = days + 719_468
    let era = shifted / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

/// Nanoseconds on CLOCK_MONOTONIC: what every deadline is measured in.
enum MonotonicClock {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating; for deadlines in `MonotonicClock` units.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max / 2 : whole + UInt64(attoseconds / 1_000_000_000)
    }
}
