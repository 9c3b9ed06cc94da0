import GuestMem
import SystemPackage
import TestSupport
import Testing

/// fallocate and resize against the kernel's own figures (kernel-semantics.md §1f).
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct AllocationTests {
    static let gibibyte: Int64 = 1 << 30
    static let mebibyte: Int64 = 1 << 20

    /// Holds a real GiB: it takes its turn with the other tests that do.
    @Test func allocatedBytesOfAGibibyteFileFollowFstatThroughAllocatePunchAndResize() async throws {
        try await TurnTaking.gibibyte.run {
            let fixture = try Fixture()
            let file = try fixture.create()
            func expectAllocated(_ bytes: Int64, size: Int64) throws {
                let kernel = try fixture.kernelStatus(file.id)
                let snapshot = try fixture.get(file.id)
                #expect(kernel.allocatedBytes == bytes)
                #expect(kernel.size == size)
                #expect(snapshot.allocatedBytes == bytes)
                #expect(snapshot.size == size)
                #expect(try fixture.usage().allocatedBytes == bytes)
            }

            try fixture.allocate(file.id, 0, Self.gibibyte)
            try expectAllocated(Self.gibibyte, size: Self.gibibyte)

            try fixture.punch(file.id, 256 * Self.mebibyte, 256 * Self.mebibyte)
            try expectAllocated(768 * Self.mebibyte, size: Self.gibibyte)

            _ = try fixture.store.resize(file.id, of: fixture.tenant, to: 384 * Self.mebibyte)
            try expectAllocated(256 * Self.mebibyte, size: 384 * Self.mebibyte)

            _ = try fixture.store.resize(file.id, of: fixture.tenant, to: Self.gibibyte)
            try expectAllocated(256 * Self.mebibyte, size: Self.gibibyte)

            try fixture.allocate(file.id, 0, Self.gibibyte, keepSize: true)
            try expectAllocated(Self.gibibyte, size: Self.gibibyte)

            try fixture.store.deleteFile(file.id, of: fixture.tenant)
            #expect(try fixture.usage() == TenantUsage())
        }
    }

    @Test func keepSizeAllocationPastTheEndKeepsTheSizeAndCountsEveryPage() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4096)
        let after = try fixture.allocate(file.id, 0, Self.mebibyte, keepSize: true)
        #expect(after.size == 4096)
        #expect(after.allocatedBytes == Self.mebibyte)
        #expect(try fixture.usage().allocatedBytes == Self.mebibyte)

        let shrunk = try fixture.store.resize(file.id, of: fixture.tenant, to: 0)
        #expect(shrunk.allocatedBytes == 0)
        #expect(try fixture.usage().allocatedBytes == 0)
    }

    @Test func allocatingPastTheEndWithoutKeepSizeGrowsTheFile() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        let after = try fixture.allocate(file.id, Self.mebibyte, Self.mebibyte)
        #expect(after.size == 2 * Self.mebibyte)
        #expect(after.allocatedBytes == Self.mebibyte)
        #expect(after.version == file.version + 1)
    }

    @Test func unalignedPunchFreesOnlyTheWholePagesItCovers() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 4 * 4096)

        let punched = try fixture.punch(file.id, 100, 8192)

        #expect(punched.allocatedBytes == 3 * 4096)
        #expect(try fixture.usage().allocatedBytes == 3 * 4096)
        let bytes = try fixture.store.read(
            file.id, of: fixture.tenant, range: ByteRange(offset: 99, length: 8194))
        #expect(bytes.first == 0xa5)
        #expect(bytes.dropFirst().dropLast().allSatisfy { $0 == 0 })
        #expect(bytes.last == 0xa5)
    }

    @Test func punchInsideOnePageZeroesButFreesNothing() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 4096)
        #expect(try fixture.punch(file.id, 10, 100).allocatedBytes == 4096)
    }

    @Test func punchingAHoleTwiceSucceedsBothTimes() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        try fixture.allocate(file.id, 0, Self.mebibyte)
        try fixture.punch(file.id, 0, Self.mebibyte / 2)
        #expect(try fixture.punch(file.id, 0, Self.mebibyte / 2).allocatedBytes == Self.mebibyte / 2)
    }

    @Test func negativeSizeIsInvalidWithEINVAL() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        let error = #expect(throws: GuestMemError.self) {
            try fixture.store.resize(file.id, of: fixture.tenant, to: -1)
        }
        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.get(file.id) == file)
    }
}
