import Dispatch
import GuestMem
import Synchronization
import TestSupport
import Testing

/// A file's reads take its state lock, never its operation lock: they answer while a fallocate
/// holds the operation lock, as guest_memfd.c's readers do not wait behind
/// filemap_invalidate_lock.
@Suite(.timeLimit(.scaledMinutes(10)))
struct LockSplitTests {
    static let gibibyte: Int64 = 1 << 30

    @Test func fileSealsListConsumersDirtyLogAndUsageAnswerWhileAGiBFallocateHoldsTheOperationLock()
        async throws
    {
        let held = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let store = MemoryStore(whileAllocating: { _ in
            held.signal()
            // Bounded: a test that fails before releasing must not hang the run.
            _ = release.wait(timeout: .after(.seconds(60)))
        })
        let tenant = TenantID.random()
        try store.addTenant(
            tenant, limits: TenantLimits(maxBytes: 2 << 30, maxLockedBytes: 0, maxFiles: 2, maxConsumers: 2))
        let file = try store.createFile(for: tenant, name: "held", size: Self.gibibyte)
        _ = try store.attach(ConsumerRequest(kind: .generic), to: file.id, of: tenant)
        let allocated = OneShot<FileSnapshot>()
        DispatchQueue.global().async {
            allocated.fulfil(
                Result {
                    try store.fallocate(
                        file.id, of: tenant, mode: .allocate(keepSize: false),
                        range: ByteRange(offset: 0, length: Self.gibibyte))
                })
        }
        defer { release.signal() }
        try #require(held.wait(timeout: .after(.seconds(20))) == .success, "the fallocate never started")

        let reads = OneShot<Reads>()
        DispatchQueue.global().async {
            reads.fulfil(
                Result {
                    Reads(
                        file: try store.file(file.id, of: tenant),
                        seals: try store.seals(file.id, of: tenant),
                        list: try store.files(of: tenant, limit: 10).items,
                        consumers: try store.consumers(of: file.id, of: tenant).count,
                        dirtyPages: try store.dirtyLog(of: file.id, of: tenant, clear: false).ranges.count,
                        usage: try store.usage(of: tenant))
                })
        }
        let seen = try await reads.value(within: .seconds(20), "reads while the operation lock is held")

        #expect(!allocated.isFulfilled)
        #expect(seen.file == file)
        #expect(seen.seals == file.seals)
        #expect(seen.list == [file])
        #expect(seen.consumers == 1)
        #expect(seen.dirtyPages == 0)
        #expect(seen.usage.allocatedBytes == 0)
        release.signal()
        let after = try await allocated.value(within: .seconds(60), "the 1 GiB fallocate")
        #expect(after.allocatedBytes == Self.gibibyte)
        #expect(after.version == file.version + 1)
        try store.deleteFile(file.id, of: tenant)
    }

    /// What the reads saw.
    struct Reads: Sendable {
        let file: FileSnapshot
        let seals: SealSet
        let list: [FileSnapshot]
        let consumers: Int
        let dirtyPages: Int
        let usage: TenantUsage
    }
}
