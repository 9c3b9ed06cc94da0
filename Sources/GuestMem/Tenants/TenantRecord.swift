/// What gmemd keeps of a tenant across restarts: who it is, its credential, its limits, and the
/// answer to the request that created it when that request had an idempotency key. Its files and
/// usage are the daemon's and do not survive it (README).
package struct TenantRecord: Hashable, Sendable {
    package let id: TenantID
    package let name: String
    /// The digest of the tenant's token, opaque here: Server makes and checks it (its Secret)
    /// and GuestMem only keeps it, so that identity, credential, limits and usage have one owner
    /// and one lock, while hashing stays beside the HTTP headers it reads.
    package let credentialDigest: String
    package var limits: TenantLimits
    package let createdAt: Timestamp
    /// Moves on with every change; the tenant's ETag.
    package var version: UInt64
    /// The creating request's answer, saved with the tenant in one write; nil without a key.
    package var receipt: CreationReceipt?

    package init(
        id: TenantID, name: String, credentialDigest: String, limits: TenantLimits, createdAt: Timestamp,
        version: UInt64 = 1, receipt: CreationReceipt? = nil
    ) {
        self.id = id
        self.name = name
        self.credentialDigest = credentialDigest
        self.limits = limits
        self.createdAt = createdAt
        self.version = version
        self.receipt = receipt
    }
}
