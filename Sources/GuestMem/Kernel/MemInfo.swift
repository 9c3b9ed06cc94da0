import SystemPackage

/// The /proc/meminfo fields gmemd reads, in bytes (the file says kB, meaning KiB).
struct MemInfo {
    let memTotal: Int64
    let memAvailable: Int64
    let hugePageSize: Int64

    /// Reads /proc/meminfo now. A field the kernel does not report reads as 0.
    static func read() throws(Errno) -> MemInfo {
        let fields = parse(try readTextFile("/proc/meminfo"))
        return MemInfo(
            memTotal: fields["MemTotal"] ?? 0, memAvailable: fields["MemAvailable"] ?? 0,
            hugePageSize: fields["Hugepagesize"] ?? 0)
    }

    /// `Name:   1234 kB` lines as bytes; lines without a unit (HugePages_Total) as plain counts.
    static func parse(_ text: String) -> [String: Int64] {
        var fields: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            guard parts.count >= 2, let value = Int64(parts[1]) else { continue }
            fields[String(parts[0])] = parts.count > 2 && parts[2] == "kB" ? value * 1024 : value
        }
        return fields
    }
}
