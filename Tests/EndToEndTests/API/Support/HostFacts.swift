import Foundation
import TestSupport

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
