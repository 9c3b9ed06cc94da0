import Synchronization

/// One tenant: who it is, its limits and usage. `state` guards the limits, their version and
/// the usage; nothing else does. It is held only for arithmetic, never across a syscall: reserve
/// before the kernel work, settle after it. Only its TenantDirectory changes its limits.
final class Tenant: Sendable {
    let id: TenantID
    let name: String
    let credentialDigest: String
    let createdAt: Timestamp
    let receipt: CreationReceipt?
    private let state: RankedMutex<State>

    private struct State {
        var limits: TenantLimits
        var version: UInt64
        var usage = TenantUsage()
        /// Set aside by calls that are running now; settled when they end.
        var reservedBytes: Int64 = 0
        var reservedLockedBytes: Int64 = 0
        var reservedFiles = 0
        var reservedConsumers = 0
        var reservedVMs = 0
    }

    init(_ record: TenantRecord) {
        (id, name, credentialDigest, createdAt, receipt) = (
            record.id, record.name, record.credentialDigest, record.createdAt, record.receipt
        )
        state = RankedMutex(.tenant, State(limits: record.limits, version: record.version))
    }

    var limits: TenantLimits { state.withLock { $0.limits } }

    /// What is kept of this tenant across restarts, as it is now.
    var record: TenantRecord {
        let (limits, version) = state.withLock { ($0.limits, $0.version) }
        return TenantRecord(
            id: id, name: name, credentialDigest: credentialDigest, limits: limits, createdAt: createdAt,
            version: version, receipt: receipt)
    }

    /// Takes on `record`'s limits and version: its directory's change, already saved.
    func apply(_ record: TenantRecord) {
        state.withLock { ($0.limits, $0.version) = (record.limits, record.version) }
    }

    var usage: TenantUsage { state.withLock { $0.usage } }

    /// Sets aside up to `worstCase` bytes: as much of it as the limits leave. The file's lock,
    /// taken next, knows how much the call really needs and refuses it if this is too little.
    func reserve(upTo worstCase: Int64, isLocked: Bool) -> Reservation {
        reserve(upToBytes: worstCase, upToLockedBytes: isLocked ? worstCase : 0, isLocked: isLocked)
    }

    /// Sets aside one file, or refuses with EDQUOT when the tenant already has `maxFiles`.
    func reserveFile() throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            guard state.usage.files + state.reservedFiles < state.limits.maxFiles else {
                throw .quotaExceeded("tenant has \(state.limits.maxFiles) files, its limit max_files")
            }
            state.reservedFiles += 1
        }
    }

    /// Sets aside one VM, or refuses with EDQUOT when the tenant already has `maxVMs`.
    func reserveVM() throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            guard state.usage.vms + state.reservedVMs < state.limits.maxVMs else {
                throw .quotaExceeded("tenant has \(state.limits.maxVMs) vms, its limit max_vms")
            }
            state.reservedVMs += 1
        }
    }

    /// Sets aside up to `bytes` and up to `lockedBytes`, as much of each as the limits leave: a pin
    /// needs locked bytes whether or not it allocates. The one place headroom is set aside.
    func reserve(upToBytes bytes: Int64, upToLockedBytes lockedBytes: Int64, isLocked: Bool = true)
        -> Reservation
    {
        state.withLock { state in
            let reservation = Reservation(
                bytes: min(
                    bytes,
                    Self.headroom(state.limits.maxBytes, state.usage.allocatedBytes, state.reservedBytes)),
                lockedBytes: min(
                    lockedBytes,
                    Self.headroom(
                        state.limits.maxLockedBytes, state.usage.lockedBytes, state.reservedLockedBytes)),
                isLocked: isLocked)
            state.reservedBytes += reservation.bytes
            state.reservedLockedBytes += reservation.lockedBytes
            return reservation
        }
    }

    /// Sets aside one consumer, or refuses with EDQUOT when the tenant already has `maxConsumers`.
    func reserveConsumer() throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            guard state.usage.consumers + state.reservedConsumers < state.limits.maxConsumers else {
                throw .quotaExceeded(
                    "tenant has \(state.limits.maxConsumers) consumers, its limit max_consumers")
            }
            state.reservedConsumers += 1
        }
    }

    /// Ends a call: gives back what it reserved and books what the kernel says it changed.
    func settle(
        _ charge: Charge, releasing reservation: Reservation? = nil, releasingFile: Bool = false,
        releasingVM: Bool = false, releasingConsumer: Bool = false
    ) {
        state.withLock { state in
            state.reservedBytes -= reservation?.bytes ?? 0
            state.reservedLockedBytes -= reservation?.lockedBytes ?? 0
            state.reservedFiles -= releasingFile ? 1 : 0
            state.reservedConsumers -= releasingConsumer ? 1 : 0
            state.reservedVMs -= releasingVM ? 1 : 0
            state.usage.allocatedBytes += charge.allocatedBytes
            state.usage.lockedBytes += charge.lockedBytes
            state.usage.files += charge.files
            state.usage.consumers += charge.consumers
            state.usage.vms += charge.vms
        }
    }

    /// What is left under `limit`, never negative. Saturates: a limit may be anything a caller
    /// sets, `Int64.max` included.
    private static func headroom(_ limit: Int64, _ used: Int64, _ reserved: Int64) -> Int64 {
        let (left, overflow) = max(0, limit).subtractingReportingOverflow(
            used.addingReportingOverflow(reserved).partialValue)
        return overflow ? 0 : max(0, left)
    }
}
