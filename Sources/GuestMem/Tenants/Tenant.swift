import Synchronization

/// One tenant's limits and usage. `state` guards both; nothing else does. It is held only for
/// arithmetic, never across a syscall: reserve before the kernel work, settle after it.
final class Tenant: Sendable {
    let id: TenantID
    private let state: RankedMutex<State>

    private struct State {
        var limits: TenantLimits
        var usage = TenantUsage()
        /// Set aside by calls that are running now; settled when they end.
        var reservedBytes: Int64 = 0
        var reservedLockedBytes: Int64 = 0
        var reservedFiles = 0
        var reservedConsumers = 0
        var reservedVMs = 0
    }

    init(id: TenantID, limits: TenantLimits) {
        self.id = id
        state = RankedMutex(.tenant, State(limits: limits))
    }

    var limits: TenantLimits {
        get { state.withLock { $0.limits } }
        set { state.withLock { $0.limits = newValue } }
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
