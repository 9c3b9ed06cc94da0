/// What gmemd keeps of one memfd file across its own restarts: everything a client was told
/// about it, so that a restarted gmemd answers for the same file, its consumers, their pins and
/// event sequences. The memory itself is not here: it stays in the memfd, which a service
/// manager's fd store or the next gmemd (re-exec) holds while gmemd is down. `inode`, `size` and
/// `seals` tell whether a descriptor that comes back is still that file.
package struct FileRecord: Hashable, Sendable {
    package var id: FileID
    package var tenant: TenantID
    package var name: String
    package var flags: FileFlags
    /// Kernel and service seals, as the file last answered.
    package var seals: SealSet
    package var size: Int64
    package var version: UInt64
    /// The version lease (ManagedFile+VersionLease): versions up to it may have been shown
    /// since this record was taken, so a restart after a crash resumes past it. The version
    /// itself when settled (a clean stop), and in a record read back.
    package var versionLease: UInt64
    package var createdAt: Timestamp
    package var updatedAt: Timestamp
    /// st_ino of the memfd: a descriptor of another inode is another file.
    package var inode: UInt64
    /// A descriptor of it left gmemd: its holders may have resized or sealed it since.
    package var isExported: Bool
    /// Attached consumers, oldest first.
    package var consumers: [ConsumerRecord]
    /// Moves on when a consumer comes or goes or its pins or descriptors change; between two
    /// records with the same revision only the consumers' `seqLease` can differ, and only those
    /// in `leaseRenewals`.
    package var consumersRevision: UInt64
    /// The attached consumers whose seq lease this record renews (Consumer+Lease), with the new
    /// lease, which `consumers` holds too: all a journal needs to write of them when
    /// `consumersRevision` is the one it wrote last.
    package var leaseRenewals: [ConsumerID: UInt64]
    /// The dirty log, merged.
    package var dirty: [ByteRange]
    /// The ranges added to the dirty log since the file's previous record, when it was only
    /// added to since: a journal may write these instead of `dirty` (ranges rounded out to the
    /// log's granule, in the order they came, not merged). nil: `dirty` alone says it.
    package var dirtyAdded: [ByteRange]? = nil
    /// What the dirty log's ranges are multiples of once it coarsened past its cap (DirtyPages);
    /// nil while it is exact.
    package var dirtyGranularity: Int64?
    /// A guest_memfd's VM; nil for a memfd. A guest_memfd cannot outlive the process that made
    /// its VM (KVM answers EIO to any other): its record, written once at creation, is there only
    /// so that the next start reports the file lost instead of forgetting it silently.
    package var vm: VMID?
    /// Receipts of objects in this record that a request with an idempotency key made. Written:
    /// those the change being journaled made, in the same record, so that no record shows the
    /// object without them. Read back at a restart: every one the journal kept.
    package var receipts: [ObjectReceipt] = []

    package init(
        id: FileID, tenant: TenantID, name: String, flags: FileFlags, seals: SealSet, size: Int64,
        version: UInt64, createdAt: Timestamp, updatedAt: Timestamp, inode: UInt64, isExported: Bool,
        consumers: [ConsumerRecord], consumersRevision: UInt64 = 0, leaseRenewals: [ConsumerID: UInt64] = [:],
        dirty: [ByteRange], dirtyGranularity: Int64? = nil, vm: VMID? = nil
    ) {
        self.vm = vm
        (self.consumersRevision, self.dirtyGranularity) = (consumersRevision, dirtyGranularity)
        self.leaseRenewals = leaseRenewals
        (self.id, self.tenant, self.name, self.flags, self.seals) = (id, tenant, name, flags, seals)
        (self.size, self.version, self.createdAt, self.updatedAt) = (size, version, createdAt, updatedAt)
        versionLease = version
        (self.inode, self.isExported, self.consumers, self.dirty) = (inode, isExported, consumers, dirty)
    }

    /// Whether versions past this record's may have been shown since it was taken: a restart
    /// then goes on at `resumedVersion`, and takes its own time as the update time.
    package var isVersionLeased: Bool { versionLease > version }

    /// The version a restart goes on from: past the lease, where no client was ever shown one.
    package var resumedVersion: UInt64 { isVersionLeased ? versionLease + 1 : version }

    /// Whether `object` is in this record and goes on after a restart: the file, an attached
    /// consumer not bound in a VM (which ends with the process), or a live pin of one.
    package func holds(_ object: CreatedObject) -> Bool {
        switch object {
        case .file(let file): file == id
        case .consumer(let consumer): consumers.contains { $0.id == consumer && !$0.wasBound }
        case .pin(let pin, let consumer):
            consumers.contains { $0.id == consumer && !$0.wasBound && $0.pins.contains { $0.id == pin } }
        case .vm: false
        }
    }
}

/// One attached consumer of a journaled file: who it is, what it covers, where its event
/// sequence stands and the pins it holds.
package struct ConsumerRecord: Hashable, Sendable {
    package var id: ConsumerID
    package var kind: ConsumerKind
    package var label: String?
    package var range: ByteRange
    package var isOpenEnded: Bool
    package var isExclusive: Bool
    /// A process consumer's descriptor access; nil for every other kind.
    package var access: DescriptorAccess?
    package var descriptorsHandedOut: Int
    package var attachedAt: Timestamp
    /// Its seq lease: no reader has seen a seq past it (Consumer+Lease). A restarted gmemd goes
    /// on after it.
    package var seqLease: UInt64
    /// Its live pins, oldest first.
    package var pins: [PinSnapshot]
    /// It was bound as a memslot of a VM, which no restart keeps (README, "What survives what").
    package var wasBound: Bool

    package init(
        id: ConsumerID, kind: ConsumerKind, label: String?, range: ByteRange, isOpenEnded: Bool,
        isExclusive: Bool, access: DescriptorAccess?, descriptorsHandedOut: Int, attachedAt: Timestamp,
        seqLease: UInt64, pins: [PinSnapshot], wasBound: Bool
    ) {
        (self.id, self.kind, self.label, self.range) = (id, kind, label, range)
        (self.isOpenEnded, self.isExclusive, self.access) = (isOpenEnded, isExclusive, access)
        (self.descriptorsHandedOut, self.attachedAt, self.seqLease) = (
            descriptorsHandedOut, attachedAt, seqLease
        )
        (self.pins, self.wasBound) = (pins, wasBound)
    }
}
