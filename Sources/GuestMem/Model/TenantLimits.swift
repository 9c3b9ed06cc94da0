/// What a tenant may hold. Lowering a limit below current usage refuses new allocations only.
package struct TenantLimits: Hashable, Sendable {
    /// Bytes of all its files together, as the kernel counts them (st_blocks).
    package var maxBytes: Int64
    /// Bytes of its inaccessible files: memory it cannot read back, like RLIMIT_MEMLOCK.
    package var maxLockedBytes: Int64
    package var maxFiles: Int
    package var maxConsumers: Int
    /// KVM VMs gmemd holds for the tenant. Each costs kernel memory outside every file.
    package var maxVMs: Int

    package init(
        maxBytes: Int64, maxLockedBytes: Int64, maxFiles: Int, maxConsumers: Int,
        maxVMs: Int = TenantLimits.defaultMaxVMs
    ) {
        self.maxBytes = maxBytes
        self.maxLockedBytes = maxLockedBytes
        self.maxFiles = maxFiles
        self.maxConsumers = maxConsumers
        self.maxVMs = maxVMs
    }

    /// 16 VMs: a VM without vCPUs is cheap, but each holds kernel memory (its memslot tables)
    /// that no byte limit counts.
    package static let defaultMaxVMs = 16

    /// 4 GiB, of which 1 GiB locked, 1,024 files, 256 consumers, 16 VMs: room for a few small guests.
    package static let `default` = TenantLimits(
        maxBytes: 4 << 30, maxLockedBytes: 1 << 30, maxFiles: 1024, maxConsumers: 256)
}

/// What a tenant holds now. `lockedBytes` is what cannot be swapped: the part of
/// `allocatedBytes` in inaccessible and guest_memfd files, pinned pages, and the kernel's
/// metadata of its memslots (`Memslot.metadataBytes`).
package struct TenantUsage: Hashable, Sendable {
    package var allocatedBytes: Int64
    package var lockedBytes: Int64
    package var files: Int
    package var consumers: Int
    package var vms: Int

    package init(
        allocatedBytes: Int64 = 0, lockedBytes: Int64 = 0, files: Int = 0, consumers: Int = 0, vms: Int = 0
    ) {
        self.allocatedBytes = allocatedBytes
        self.lockedBytes = lockedBytes
        self.files = files
        self.consumers = consumers
        self.vms = vms
    }
}
