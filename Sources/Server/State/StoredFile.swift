import GuestMem

/// One memory file as the file journal keeps it (FileStateDirectory): Codable, lenient, and no
/// wire DTO. A line with `consumers` is the whole record; a line without them (written while no
/// consumer came, went or changed its pins) updates the rest and, through `seq_leases`, the seq
/// leases it renews (Consumer+Lease), by consumer id. Lines of format 1.0 carried `last_seqs`
/// instead, each consumer's newest seq in the order of the last whole line; they are still read.
/// A consumer's `last_seq` is its lease, so an older gmemd that reads it goes on after it too.
/// Versioned like tenants.json (`format_major`, `format_minor`): a reader takes
/// every record of the major it knows whatever its minor, and ignores keys it does not know, so
/// a later minor may add optional fields without an older gmemd failing to start on them.
/// Minor 1 added `seq_leases`; minor 2 `receipts`: on a line, the idempotency receipts of what
/// the change it records created (the file, a consumer, a pin); the journal keeps them while
/// their objects last. Minor 3 added `version_leased`: the line's `version` is then not the
/// file's version when it was written but the one a restart resumes at, one past the version
/// lease (ManagedFile+VersionLease), as versions up to the lease may have been shown without a
/// line; a restart takes its own time as the update time. An older gmemd reads the same
/// `version`, and so never lets an ETag it did not hand out match either.
/// Minor 4 added `dirty_added`: a line without consumers, after one that held the dirty log,
/// may hold only the ranges added to it since (and no `dirty`), so that a write's line does not
/// grow with the log. A gmemd of minor 3 or older cannot read such a line; a clean stop or an
/// upgrade rewrites the log whole (FileStateDirectory.rewrite) before another gmemd starts.
struct StoredFile: Codable {
    static let major = 1
    static let minor = 4

    var formatMajor = major
    var formatMinor = minor
    var id: String
    var tenant: String
    var name: String
    var flags: StoredFlags
    var seals: [String]
    var size: Int64
    var version: UInt64
    /// True on a line whose `version` resumes past a version lease; absent on a settled one.
    var versionLeased: Bool?
    var createdAtNs: Int64
    var updatedAtNs: Int64
    var inode: UInt64
    var exported: Bool
    var consumers: [StoredConsumer]?
    var lastSeqs: [UInt64]?
    var seqLeases: [StoredLease]?
    /// The dirty log, whole: on every whole line, and on a line without consumers unless the log
    /// was only added to since the line before, which then holds `dirty_added` instead.
    var dirty: [StoredRange]?
    /// Ranges added to the dirty log since the line before (format minor 4), rounded out to its
    /// granule, not merged.
    var dirtyAdded: [StoredRange]?
    /// Absent while the dirty log is exact (and in lines written before it could coarsen).
    var dirtyGranularity: Int64?
    /// A guest_memfd's VM (FileRecord.vm); absent for a memfd.
    var vm: String?
    /// Absent on lines whose change created nothing under an Idempotency-Key.
    var receipts: [StoredReceipt]?

    init(_ record: FileRecord, withConsumers: Bool = true) {
        (id, tenant, name) = (record.id.rawValue, record.tenant.rawValue, record.name)
        flags = StoredFlags(record.flags)
        seals = SealNames.names(record.seals)
        (size, inode, exported) = (record.size, record.inode, record.isExported)
        version = record.resumedVersion
        versionLeased = record.isVersionLeased ? true : nil
        createdAtNs = record.createdAt.nanosecondsSinceEpoch
        updatedAtNs = record.updatedAt.nanosecondsSinceEpoch
        if withConsumers {
            consumers = record.consumers.map(StoredConsumer.init)
        } else if !record.leaseRenewals.isEmpty {
            seqLeases = record.leaseRenewals.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                StoredLease(id: $0.key.rawValue, seq: $0.value)
            }
        }
        if !withConsumers, let added = record.dirtyAdded {
            dirtyAdded = added.map(StoredRange.init)
        } else {
            dirty = record.dirty.map(StoredRange.init)
        }
        dirtyGranularity = record.dirtyGranularity
        vm = record.vm?.rawValue
        let receipts = record.receipts.compactMap { StoredReceipt($0) }
        self.receipts = receipts.isEmpty ? nil : receipts
    }

    /// The whole record after `update`, a line without consumers, is applied to this one.
    func updated(by update: StoredFile) -> StoredFile {
        guard update.consumers == nil else { return update }
        var next = update
        next.consumers = consumers
        if var kept = consumers, let seqs = update.lastSeqs, seqs.count == kept.count {
            for index in kept.indices { kept[index].lastSeq = seqs[index] }
            next.consumers = kept
        }
        if var kept = next.consumers, let leases = update.seqLeases {
            let index = Dictionary(uniqueKeysWithValues: kept.indices.map { (kept[$0].id, $0) })
            for lease in leases {
                if let at = index[lease.id] { kept[at].lastSeq = lease.seq }
            }
            next.consumers = kept
        }
        (next.lastSeqs, next.seqLeases) = (nil, nil)
        if update.dirty == nil {
            // A line that only added to the dirty log: onto the whole log, or onto what the
            // lines since it added (merged when they meet the whole log).
            let added = update.dirtyAdded ?? []
            if let dirty {
                (next.dirty, next.dirtyAdded) = (Self.merging(dirty, added), nil)
            } else {
                next.dirtyAdded = (dirtyAdded ?? []) + added
            }
        }
        return next
    }

    /// `ranges` with `added`, merged as a dirty log merges them.
    private static func merging(_ ranges: [StoredRange], _ added: [StoredRange]) -> [StoredRange] {
        guard !added.isEmpty else { return ranges }
        var merged = IntervalSet()
        for stored in ranges + added {
            if let range = try? stored.range() { merged.insert(range) }
        }
        return merged.ranges.map(StoredRange.init)
    }

    func record() throws -> FileRecord {
        guard formatMajor == Self.major else {
            throw Malformed(why: "format \(formatMajor).\(formatMinor); this gmemd reads \(Self.major).x")
        }
        guard let fileID = FileID(id), let tenantID = TenantID(tenant) else {
            throw Malformed(why: "'\(id)' of '\(tenant)' is not a file id of a tenant id")
        }
        let vmID = try vm.map { (text) throws -> VMID in
            guard let vm = VMID(text) else { throw Malformed(why: "'\(text)' is not a vm id") }
            return vm
        }
        return FileRecord(
            id: fileID, tenant: tenantID, name: name, flags: flags.flags, seals: try SealNames.set(seals),
            size: size, version: version, createdAt: Timestamp(nanosecondsSinceEpoch: createdAtNs),
            updatedAt: versionLeased == true ? .now() : Timestamp(nanosecondsSinceEpoch: updatedAtNs),
            inode: inode, isExported: exported,
            consumers: try (consumers ?? []).map { try $0.record() },
            dirty: try Self.merging(dirty ?? [], dirtyAdded ?? []).map { try $0.range() },
            dirtyGranularity: dirtyGranularity, vm: vmID)
    }

    struct Malformed: Error, CustomStringConvertible {
        let why: String
        var description: String { why }
    }
}

/// What a memfd was made with.
struct StoredFlags: Codable {
    var allowSealing: Bool
    var inaccessible: Bool
    var hugetlb: Bool
    var exec: Bool
    var noexecSeal: Bool

    init(_ flags: FileFlags) {
        (allowSealing, inaccessible, hugetlb) = (flags.allowSealing, flags.inaccessible, flags.hugetlb)
        (exec, noexecSeal) = (flags.exec, flags.noexecSeal)
    }

    var flags: FileFlags {
        FileFlags(
            allowSealing: allowSealing, inaccessible: inaccessible, hugetlb: hugetlb, exec: exec,
            noexecSeal: noexecSeal)
    }
}

struct StoredRange: Codable {
    var offset: Int64
    var length: Int64

    init(_ range: ByteRange) { (offset, length) = (range.offset, range.length) }

    func range() throws -> ByteRange { try ByteRange(offset: offset, length: length) }
}

/// A seq lease a line renews: the consumer's id, and the seq a restart goes on after.
struct StoredLease: Codable {
    var id: String
    var seq: UInt64
}

/// An attached consumer of a stored file. `last_seq` is its seq lease.
struct StoredConsumer: Codable {
    var id: String
    var kind: String
    var label: String?
    var offset: Int64
    var length: Int64
    var openEnded: Bool
    var exclusive: Bool
    var access: String?
    var handedOut: Int
    var attachedAtNs: Int64
    var lastSeq: UInt64
    var bound: Bool
    var pins: [StoredPin]

    init(_ record: ConsumerRecord) {
        (id, kind, label) = (record.id.rawValue, ConsumerKindNames.name(record.kind), record.label)
        (offset, length) = (record.range.offset, record.range.length)
        (openEnded, exclusive, handedOut) = (
            record.isOpenEnded, record.isExclusive, record.descriptorsHandedOut
        )
        access = record.access.map { $0 == .readOnly ? "read_only" : "read_write" }
        (attachedAtNs, lastSeq, bound) = (
            record.attachedAt.nanosecondsSinceEpoch, record.seqLease, record.wasBound
        )
        pins = record.pins.map(StoredPin.init)
    }

    func record() throws -> ConsumerRecord {
        guard let consumerID = ConsumerID(id), let consumerKind = ConsumerKindNames.kind(named: kind) else {
            throw StoredFile.Malformed(why: "consumer '\(id)' of kind '\(kind)'")
        }
        return ConsumerRecord(
            id: consumerID, kind: consumerKind, label: label,
            range: try ByteRange(offset: offset, length: length),
            isOpenEnded: openEnded, isExclusive: exclusive,
            access: access.map { $0 == "read_only" ? .readOnly : .readWrite },
            descriptorsHandedOut: handedOut,
            attachedAt: Timestamp(nanosecondsSinceEpoch: attachedAtNs), seqLease: lastSeq,
            pins: try pins.map { try $0.snapshot(of: consumerID) }, wasBound: bound)
    }
}

/// A live pin of a stored consumer.
struct StoredPin: Codable {
    var id: String
    var offset: Int64
    var length: Int64
    var order: Int
    var createdAtNs: Int64

    init(_ pin: PinSnapshot) {
        (id, offset, length) = (pin.id.rawValue, pin.range.offset, pin.range.length)
        order = pin.extents.first?.order ?? 0
        createdAtNs = pin.createdAt.nanosecondsSinceEpoch
    }

    func snapshot(of consumer: ConsumerID) throws -> PinSnapshot {
        guard let pinID = PinID(id) else { throw StoredFile.Malformed(why: "pin '\(id)'") }
        let range = try ByteRange(offset: offset, length: length)
        return PinSnapshot(
            id: pinID, consumerID: consumer, range: range, extents: [PinExtent(range: range, order: order)],
            state: .live, createdAt: Timestamp(nanosecondsSinceEpoch: createdAtNs))
    }
}
