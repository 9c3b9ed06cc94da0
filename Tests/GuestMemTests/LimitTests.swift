import GuestMem
import SystemPackage
import TestSupport
import Testing

/// Tenant limits and the host's reserve: refused before the kernel runs, nothing allocated.
@Suite(.timeLimit(.scaledMinutes(10)))
struct LimitTests {
    static let mebibyte: Int64 = 1 << 20

    func tightFixture(maxBytes: Int64 = 4 << 20, maxLockedBytes: Int64 = 4 << 20, maxFiles: Int = 10) throws
        -> Fixture
    {
        try Fixture(
            limits: TenantLimits(
                maxBytes: maxBytes, maxLockedBytes: maxLockedBytes, maxFiles: maxFiles, maxConsumers: 1))
    }

    @Test func allocationOverMaxBytesIsOverQuotaWithEDQUOTAndAllocatesNothing() throws {
        let fixture = try tightFixture()
        let file = try fixture.create()
        try fixture.allocate(file.id, 0, 3 * Self.mebibyte)
        let before = try fixture.get(file.id)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.allocate(file.id, 0, 5 * Self.mebibyte)
        }

        #expect(error?.kind == .quotaExceeded)
        #expect(error?.errno == .diskQuotaExceeded)
        #expect(try fixture.get(file.id) == before)
        #expect(try fixture.usage().allocatedBytes == 3 * Self.mebibyte)
        #expect(try fixture.kernelStatus(file.id).allocatedBytes == 3 * Self.mebibyte)
    }

    @Test func allocationReachingExactlyMaxBytesIsAccepted() throws {
        let fixture = try tightFixture()
        let file = try fixture.create()
        #expect(try fixture.allocate(file.id, 0, 4 * Self.mebibyte).allocatedBytes == 4 * Self.mebibyte)
    }

    @Test func reallocatingPagesAlreadyAllocatedAtTheLimitNeedsNoHeadroom() throws {
        let fixture = try tightFixture()
        let file = try fixture.create()
        try fixture.allocate(file.id, 0, 4 * Self.mebibyte)

        try fixture.allocate(file.id, 0, 4 * Self.mebibyte)
        let written = try fixture.store.write(file.id, of: fixture.tenant, offset: 100, bytes: [1, 2, 3])

        #expect(written.written == 3)
        #expect(try fixture.usage().allocatedBytes == 4 * Self.mebibyte)
    }

    @Test func writeThatWouldAllocateOverMaxBytesIsOverQuotaAndWritesNothing() throws {
        let fixture = try tightFixture()
        let file = try fixture.create()
        try fixture.allocate(file.id, 0, 4 * Self.mebibyte)
        let before = try fixture.get(file.id)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.write(file.id, of: fixture.tenant, offset: 4 * Self.mebibyte, bytes: [1])
        }

        #expect(error?.errno == .diskQuotaExceeded)
        #expect(try fixture.get(file.id) == before)
    }

    @Test func lockedAllocationOverMaxLockedBytesIsOverQuotaWhileMaxBytesHasRoom() throws {
        let fixture = try tightFixture(maxBytes: 64 << 20, maxLockedBytes: 2 << 20)
        let plain = try fixture.create()
        try fixture.allocate(plain.id, 0, 8 * Self.mebibyte)
        let locked = try fixture.create(size: 4 << 20, flags: FileFlags(inaccessible: true))

        let error = #expect(throws: GuestMemError.self) {
            try fixture.allocate(locked.id, 0, 4 * Self.mebibyte)
        }

        #expect(error?.errno == .diskQuotaExceeded)
        #expect(try fixture.usage() == TenantUsage(allocatedBytes: 8 << 20, lockedBytes: 0, files: 2))
        #expect(try fixture.allocate(locked.id, 0, 2 * Self.mebibyte).allocatedBytes == 2 << 20)
        #expect(try fixture.usage().lockedBytes == 2 << 20)
    }

    @Test func fileBeyondMaxFilesIsOverQuotaUntilOneIsDeleted() throws {
        let fixture = try tightFixture(maxFiles: 2)
        let first = try fixture.create()
        _ = try fixture.create()

        let error = #expect(throws: GuestMemError.self) { try fixture.create() }
        #expect(error?.errno == .diskQuotaExceeded)
        #expect(try fixture.usage().files == 2)

        try fixture.store.deleteFile(first.id, of: fixture.tenant)
        _ = try fixture.create()
        #expect(try fixture.usage().files == 2)
    }

    @Test(arguments: [Int64.min, -1, 0])
    func limitOfZeroOrBelowRefusesEveryAllocation(maxBytes: Int64) throws {
        let fixture = try tightFixture(maxBytes: maxBytes)
        let file = try fixture.create()
        let error = #expect(throws: GuestMemError.self) { try fixture.allocate(file.id, 0, 4096) }
        #expect(error?.errno == .diskQuotaExceeded)
        #expect(try fixture.usage().allocatedBytes == 0)
    }

    @Test func loweredLimitRefusesNewAllocationButStillAllowsPunching() throws {
        let fixture = try tightFixture()
        let file = try fixture.create()
        try fixture.allocate(file.id, 0, 4 * Self.mebibyte)
        _ = try fixture.store.tenants.updateLimits(of: fixture.tenant, expecting: nil) { _ in
            TenantLimits(maxBytes: 1 << 20, maxLockedBytes: 0, maxFiles: 10, maxConsumers: 1)
        }

        let overLimit = #expect(throws: GuestMemError.self) {
            try fixture.allocate(file.id, 4 * Self.mebibyte, 4096)
        }
        #expect(overLimit?.kind == .quotaExceeded)
        #expect(overLimit?.errno == .diskQuotaExceeded)
        #expect(try fixture.punch(file.id, 0, 2 * Self.mebibyte).allocatedBytes == 2 << 20)
        #expect(try fixture.usage().allocatedBytes == 2 << 20)
        // Still 1 MiB over the lowered limit: one more page is refused, not the old 4 MiB one.
        let stillOver = #expect(throws: GuestMemError.self) { try fixture.allocate(file.id, 0, 4096) }
        #expect(stillOver?.errno == .diskQuotaExceeded)
        #expect(try fixture.usage().allocatedBytes == 2 << 20)
    }

    @Test func allocationBeyondTheHostsMemAvailableIsExhaustedWithENOMEMAndAllocatesNothing() throws {
        let fixture = try Fixture(
            limits: TenantLimits(maxBytes: .max, maxLockedBytes: .max, maxFiles: 1, maxConsumers: 0))
        let file = try fixture.create()
        let tooMuch = try ProcMeminfo.bytes("MemAvailable") + (1 << 30)

        let error = #expect(throws: GuestMemError.self) { try fixture.allocate(file.id, 0, tooMuch) }

        #expect(error?.kind == .exhausted)
        #expect(error?.errno == .noMemory)
        #expect(try fixture.get(file.id) == file)
        #expect(try fixture.kernelStatus(file.id) == (0, 0))
        #expect(try fixture.usage().allocatedBytes == 0)
    }

    @Test func writeThatWouldEatIntoTheHostReserveIsExhaustedWithENOMEMAndWritesNothing() throws {
        let fixture = try Fixture(hostReserveBytes: .max / 2)
        let file = try fixture.create()

        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.write(file.id, of: fixture.tenant, offset: 0, bytes: [1, 2, 3])
        }

        #expect(error?.errno == .noMemory)
        #expect(try fixture.get(file.id) == file)
        #expect(fixture.store.hostReserveBytes == .max / 2)
    }

    @Test func growingTheSizeAllocatesNothingAndNeedsNoHeadroom() throws {
        let fixture = try Fixture(hostReserveBytes: .max / 2)
        let file = try fixture.create()
        let grown = try fixture.store.resize(file.id, of: fixture.tenant, to: 1 << 40)
        #expect(grown.size == 1 << 40)
        #expect(grown.allocatedBytes == 0)
    }
}
