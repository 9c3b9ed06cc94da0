import GuestMem

/// What gmemd keeps of a tenant across restarts: who it is, its token's digest, its limits.
/// The tenant's files live in GuestMem and do not survive a restart (README).
struct TenantRecord: Codable, Sendable {
    var id: String
    var name: String
    var tokenDigest: String
    var limits: LimitsBody
    var createdAt: String

    var tenantID: TenantID { TenantID(id)! }  // records are written only with valid ids
}
