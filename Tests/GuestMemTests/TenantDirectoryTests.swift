import GuestMem
import Locking
import TestSupport
import Testing

/// The tenant directory saves a change before it takes effect: a change its journal refused
/// did not happen, whole, and there is nothing to roll back.
@Suite(.timeLimit(.scaledMinutes(10)))
struct TenantDirectoryTests {
    @Test func aTenantWhoseRecordCouldNotBeSavedDoesNotExist() throws {
        let journal = Journal()
        let store = MemoryStore(tenants: TenantDirectory(journal: journal))
        let record = Self.record()
        journal.refuses = true

        let error = #expect(throws: GuestMemError.self) { try store.createTenant(record) }

        #expect(error?.kind == .unsaved)
        #expect(store.tenants.credentialDigest(of: record.id) == nil)
        #expect(store.tenants.records.isEmpty)
        #expect(throws: GuestMemError.notFound("no tenant \(record.id)")) {
            try store.createFile(for: record.id, name: "f", size: 4096)
        }
    }

    @Test func aRemovalThatCouldNotBeSavedLeavesTheTenantAndItsFiles() throws {
        let journal = Journal()
        let store = MemoryStore(tenants: TenantDirectory(journal: journal))
        let record = Self.record()
        try store.createTenant(record)
        let file = try store.createFile(for: record.id, name: "f", size: 4096)
        journal.refuses = true

        #expect(throws: GuestMemError.self) { try store.removeTenant(record.id) }

        #expect(store.tenants.credentialDigest(of: record.id) == record.credentialDigest)
        #expect(try store.file(file.id, of: record.id).id == file.id)
        #expect(journal.saved.last?.map(\.id) == [record.id])
    }

    @Test func aLimitChangeThatCouldNotBeSavedChangesNeitherLimitsNorVersion() throws {
        let journal = Journal()
        let store = MemoryStore(tenants: TenantDirectory(journal: journal))
        let record = Self.record()
        try store.createTenant(record)
        journal.refuses = true

        #expect(throws: GuestMemError.self) {
            try store.tenants.updateLimits(of: record.id, expecting: nil) { _ in .default }
        }

        #expect(store.tenants.record(of: record.id) == record)
        #expect(try store.limits(of: record.id) == record.limits)
    }

    @Test func everySavedChangeIsWhatTheDirectoryThenAnswers() throws {
        let journal = Journal()
        let store = MemoryStore(tenants: TenantDirectory(journal: journal))
        let (first, second) = (Self.record(), Self.record())
        try store.createTenant(first)
        try store.createTenant(second)
        let changed = try store.tenants.updateLimits(of: first.id, expecting: [1]) { limits in
            var limits = limits
            limits.maxFiles = 7
            return limits
        }
        let unchanged = try store.tenants.updateLimits(of: first.id, expecting: [2]) { $0 }
        try store.removeTenant(second.id, expecting: [1])

        #expect(changed.version == 2)
        #expect(unchanged == changed)
        #expect(journal.saved.count == 4)
        #expect(journal.saved.last == [changed])
        #expect(store.tenants.records == [changed])
        #expect(try store.limits(of: first.id).maxFiles == 7)
    }

    @Test func aStaleVersionIsRefusedAndChangesNothing() throws {
        let store = MemoryStore(tenants: TenantDirectory(journal: Journal()))
        let record = Self.record()
        try store.createTenant(record)

        #expect(throws: GuestMemError.self) {
            try store.tenants.updateLimits(of: record.id, expecting: [2]) { _ in .default }
        }
        #expect(throws: GuestMemError.self) { try store.removeTenant(record.id, expecting: [5]) }

        #expect(store.tenants.record(of: record.id) == record)
    }

    @Test func tenantsLoadedAtStartAreServed() throws {
        let record = Self.record()
        let store = MemoryStore(tenants: TenantDirectory([record]))

        let file = try store.createFile(for: record.id, name: "f", size: 4096)

        #expect(try store.usage(of: record.id).files == 1)
        #expect(store.tenants.credentialDigest(of: record.id) == record.credentialDigest)
        #expect(file.size == 4096)
    }

    /// A connection that remembers what a token proved trusts it while the epoch stands: a removal
    /// must move it, and a refused removal, a new tenant or a limit change need not.
    @Test func onlyARemovalMovesTheCredentialEpoch() throws {
        let journal = Journal()
        let store = MemoryStore(tenants: TenantDirectory(journal: journal))
        let (kept, removed) = (Self.record(), Self.record())
        let start = store.tenants.credentialEpoch
        try store.createTenant(kept)
        try store.createTenant(removed)
        _ = try store.tenants.updateLimits(of: kept.id, expecting: nil) { _ in .default }
        journal.refuses = true
        #expect(throws: GuestMemError.self) { try store.removeTenant(removed.id) }
        #expect(store.tenants.credentialEpoch == start)
        journal.refuses = false

        try store.removeTenant(removed.id)

        #expect(store.tenants.credentialEpoch > start)
        #expect(store.tenants.credentialDigest(of: removed.id) == nil)
    }

    static func record() -> TenantRecord {
        TenantRecord(
            id: .random(), name: "t", credentialDigest: "digest",
            limits: TenantLimits(maxBytes: 1 << 20, maxLockedBytes: 0, maxFiles: 4, maxConsumers: 4),
            createdAt: .now())
    }
}

/// Keeps what it is given, or refuses it, as told: the journal's side of the contract.
private final class Journal: TenantJournal, Sendable {
    private let state = PthreadMutex((refuses: false, saved: [[TenantRecord]]()))

    var refuses: Bool {
        get { state.withLock { $0.refuses } }
        set { state.withLock { $0.refuses = newValue } }
    }

    var saved: [[TenantRecord]] { state.withLock { $0.saved } }

    func save(_ records: [TenantRecord]) throws(GuestMemError) {
        try state.withLock { (state) throws(GuestMemError) in
            if state.refuses { throw .unsaved("refused") }
            state.saved.append(records)
        }
    }
}
