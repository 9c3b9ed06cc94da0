import GuestMem

/// A tenant's limits with each one optional, as the wire (LimitsBody) and tenants.json
/// (TenantStateFile) both carry them: one left out keeps its current value or its default.
protocol PartialLimits {
    var maxBytes: Int64? { get set }
    var maxLockedBytes: Int64? { get set }
    var maxFiles: Int? { get set }
    var maxConsumers: Int? { get set }
    var maxVms: Int? { get set }

    /// No limit given.
    init()
}

extension PartialLimits {
    /// Every one of `limits`.
    init(_ limits: TenantLimits) {
        self.init()
        maxBytes = limits.maxBytes
        maxLockedBytes = limits.maxLockedBytes
        maxFiles = limits.maxFiles
        maxConsumers = limits.maxConsumers
        maxVms = limits.maxVMs
    }

    /// These values laid over `base`.
    func applied(to base: TenantLimits) -> TenantLimits {
        TenantLimits(
            maxBytes: maxBytes ?? base.maxBytes, maxLockedBytes: maxLockedBytes ?? base.maxLockedBytes,
            maxFiles: maxFiles ?? base.maxFiles, maxConsumers: maxConsumers ?? base.maxConsumers,
            maxVMs: maxVms ?? base.maxVMs)
    }
}
