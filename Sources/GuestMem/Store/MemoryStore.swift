/// Every tenant's memory files: the domain's front door. Answers with value snapshots, never
/// with the locked objects behind them. Every call that takes a tenant answers notFound for
/// another tenant's file, the same as for an unknown one.
///
/// Locking (LockOrder.swift, the one table): `maps` guards the maps and nothing else, and is
/// never held across a syscall. A `Tenant`'s lock guards its usage, a `ManagedFile`'s two locks
/// its kernel object and its state. A call looks up under `maps` (one lookup, whichever the
/// backend), reserves under the tenant's, does the kernel work under the file's, settles under
/// the tenant's; the maps and the tenant are leaves. A file's backing is never closed under any.
package final class MemoryStore: Sendable {
    /// Half a GiB of MemAvailable is kept free by default: room for gmemd itself, its peers on
    /// the host and the page cache, so that no allocation drives the host into the OOM killer.
    package static let defaultHostReserveBytes: Int64 = 512 << 20
    /// Events kept per consumer for readers that lag: about 64 bytes each, so 1,024 cost 64 KiB.
    package static let defaultEventBacklog = 1024
    /// How far past its newest seq a journaled consumer's seq lease reaches when renewed
    /// (Consumer+Lease): one journal entry per consumer per this many events, and at most this
    /// many seqs a crash can make a reader skip (each named by an overflow).
    package static let seqLeaseAhead: UInt64 = 1024

    let host: HostMemory
    /// The fds files, VMs and downloads may hold together.
    package let descriptors: DescriptorBudget
    /// How many events each consumer keeps for its readers (EventRing).
    let eventBacklog: Int
    /// Events handed to readers and lost to overflow, for metrics.
    package let eventStatistics = EventStatistics()
    /// KVM as found at start, for VMs and guest_memfd files.
    package let kvm: KVMDevice
    /// What this store serves: KVM's capabilities, huge pages, the backends not turned off.
    package let features: ServedFeatures
    /// Every tenant's identity, credential digest and limits; `maps` indexes each one's
    /// resources (TenantDirectory adds and takes out its entry).
    package let tenants: TenantDirectory
    let maps = RankedMutex(.storeMaps, Maps())
    /// Where memfd files' records go before a change answers; nil: files live as long as the
    /// store (tests, tools).
    let journal: (any FileJournal)?
    /// A test's gate, called while a file's fallocate holds its operation lock; nil in gmemd.
    let whileAllocating: (@Sendable (FileID) -> Void)?

    struct Maps {
        var tenants: [TenantID: TenantEntry] = [:]
        /// Every file, memfd and guest_memfd alike.
        var files: [FileID: ManagedFile] = [:]
        var vms: [VMID: HeldVM] = [:]
        /// Attached consumers, and each tenant's most recently detached ones (`keptDetached`).
        var consumers: [ConsumerID: Consumer] = [:]
    }

    struct TenantEntry {
        let tenant: Tenant
        /// Memfd and guest_memfd files alike, so a listing pages through both in id order.
        var fileIDs = SortedIDs<FileID>()
        var vmIDs = SortedIDs<VMID>()
        /// Every id of this tenant in `consumers`.
        var consumerIDs = Set<ConsumerID>()
        /// The detached ones among them, oldest first (MemoryStore+Consumers).
        var detachedConsumers: [ConsumerID] = []
    }

    /// A store that refuses any allocation leaving less than `hostReserveBytes` of MemAvailable,
    /// with VMs from `kvm`, keeping `eventBacklog` events (at least 1) per consumer, no more fds
    /// open for files, VMs and downloads than `descriptors` allows, and refusing files of the
    /// `disabledBackends`, serving the tenants of `tenants`, journaling memfd files in `journal`.
    /// `onMemoryExhausted` hears, once per episode, why the headroom guard began refusing.
    /// `whileAllocating` is for tests: it runs inside every fallocate, with the file's operation
    /// lock held, before the kernel call.
    package init(
        hostReserveBytes: Int64 = MemoryStore.defaultHostReserveBytes, kvm: KVMDevice = KVMDevice(),
        eventBacklog: Int = MemoryStore.defaultEventBacklog, descriptors: DescriptorBudget = .unlimited,
        disabledBackends: Set<Backend> = [], tenants: TenantDirectory = TenantDirectory(),
        journal: (any FileJournal)? = nil, onMemoryExhausted: @escaping @Sendable (String) -> Void = { _ in },
        whileAllocating: (@Sendable (FileID) -> Void)? = nil
    ) {
        self.tenants = tenants
        self.journal = journal
        self.whileAllocating = whileAllocating
        host = HostMemory(reserveBytes: hostReserveBytes, onExhausted: onMemoryExhausted)
        self.descriptors = descriptors
        self.eventBacklog = max(1, eventBacklog)
        self.kvm = kvm
        features = ServedFeatures(kvm: kvm.status, disabledBackends: disabledBackends)
        let loaded = tenants.all
        maps.withLock { maps in
            for tenant in loaded { maps.tenants[tenant.id] = TenantEntry(tenant: tenant) }
        }
    }

    /// The MemAvailable this store keeps free.
    package var hostReserveBytes: Int64 { host.reserveBytes }

    /// The tightest memory limit now (the host's, or gmemd's memory cgroup's), what is left
    /// under it and where it comes from, as the headroom guard sees it.
    package func memoryHeadroom() throws(GuestMemError) -> MemoryHeadroom { try host.headroom() }

    /// This host's page size, kernel release and huge page pools, read now.
    package var capabilities: HostCapabilities { HostProbe.capabilities() }

    /// The tenant `id`, or notFound.
    func tenant(_ id: TenantID) throws(GuestMemError) -> Tenant {
        guard let tenant = maps.withLock({ $0.tenants[id]?.tenant }) else {
            throw .notFound("no tenant \(id)")
        }
        return tenant
    }

    /// The file `id` of tenant `tenantID`, whichever its backend, and that tenant, or notFound,
    /// also for another tenant's file. One take of the maps lock.
    func lookup(_ id: FileID, of tenantID: TenantID) throws(GuestMemError) -> (Tenant, ManagedFile) {
        let found = maps.withLock { maps -> (Tenant, ManagedFile)? in
            guard let file = maps.files[id], file.tenant == tenantID, let entry = maps.tenants[tenantID]
            else {
                return nil
            }
            return (entry.tenant, file)
        }
        guard let found else { throw .notFound("no file \(id)") }
        return found
    }
}
