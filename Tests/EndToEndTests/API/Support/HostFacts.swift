import Foundation

/// What the host gmemd runs on looks like, for tests whose expected numbers depend on it.
enum HostFacts {
    /// MemTotal from /proc/meminfo, in bytes: more than any allocation the host could ever grant.
    static func memoryTotal() throws -> Int64 {
        let meminfo = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let line = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
        guard let kilobytes = line?.split(separator: " ").dropFirst().first.flatMap({ Int64($0) }) else {
            throw UnexpectedReply(description: "no MemTotal in /proc/meminfo")
        }
        return kilobytes * 1024
    }
}

extension Gmemd {
    /// The page size gmemd reports in `/v1/health`.
    func pageSize() async throws -> Int64 {
        let health = try await get("/v1/health").expecting(200, "health")
        guard let size = health.json?["page_size"] as? Int else {
            throw UnexpectedReply(description: "no page_size in \(health.text)")
        }
        return Int64(size)
    }
}
