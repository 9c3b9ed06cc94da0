import GuestMem

/// What gmemd keeps of a tenant across restarts: who it is, its token's digest, its limits.
/// The tenant's files live in GuestMem and do not survive a restart (README).
struct TenantRecord: Codable, Sendable, Equatable {
    var id: String
    var name: String
    var tokenDigest: String
    var limits: LimitsBody
    var createdAt: String
    /// Moves on with every change; the tenant's ETag. Records saved before it existed start at 1.
    var version: UInt64

    init(id: String, name: String, tokenDigest: String, limits: LimitsBody, createdAt: String) {
        (self.id, self.name, self.tokenDigest, self.limits, self.createdAt) = (
            id, name, tokenDigest, limits, createdAt
        )
        version = 1
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        tokenDigest = try container.decode(String.self, forKey: .tokenDigest)
        limits = try container.decode(LimitsBody.self, forKey: .limits)
        createdAt = try container.decode(String.self, forKey: .createdAt)
        version = try container.decodeIfPresent(UInt64.self, forKey: .version) ?? 1
    }

    var tenantID: TenantID { TenantID(id)! }  // records are written only with valid ids
}
