import SystemPackage
import TestSupport
import Testing

@testable import GuestMem

/// A guest_memfd's content, reachable only through the shared mapping of a file made with
/// GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED (kernel-semantics.md §1l).
@Suite(.timeLimit(.scaledMinutes(10)))
struct KVMGuestMemfdContentTests {
    static let fileSize = 4 * KVMTest.page

    @Test(.needsGuestMemfdMmap) func bytesWrittenAcrossAPageBoundaryReadBackAndTheirPagesAreRecorded() throws
    {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .mappable)
        let written: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

        try file.write(written, at: KVMTest.page - 3)
        let read = try file.read(10, at: KVMTest.page - 3)

        #expect(read == written)
        #expect(file.allocation.ranges == [try KVMTest.range(0, 2 * KVMTest.page)])
    }

    @Test(.needsGuestMemfdMmap) func freshFileReadsZero() throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .mappable)
        let read = try file.read(64, at: 0)

        #expect(read == [UInt8](repeating: 0, count: 64))
    }

    @Test(.needsGuestMemfdMmap, arguments: [(0, 0), (4, 4), (1, 1)] as [(Int64, Int)])
    func readNearTheEndIsShortAndAtOrPastItEmpty(bytesBeforeEnd: Int64, expected: Int) throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .mappable)
        let read = try file.read(16, at: Self.fileSize - bytesBeforeEnd)

        #expect(read.count == expected)
    }

    @Test(.needsGuestMemfdMmap) func writeEndingPastTheFixedSizeIsEFBIGAndWritesNothing() throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .mappable)
        #expect(throws: Errno.fileTooLarge) {
            try file.write([UInt8](repeating: 0x42, count: 8), at: Self.fileSize - 4)
        }
        #expect(file.allocation.totalLength == 0)
    }

    @Test(.needsGuestMemfdMmap) func negativeOffsetIsEINVAL() throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .mappable)
        #expect(throws: Errno.invalidArgument) { _ = try file.read(8, at: -1) }
    }

    @Test(
        .needsGuestMemfdMmap,
        arguments: [
            GuestMemfdFlags.none, GuestMemfdFlags(mmap: false, initShared: true),
            GuestMemfdFlags(mmap: true, initShared: false),
        ])
    func fileThatIsNotMappableHasNoContentAccessAndAnswersENODEV(flags: GuestMemfdFlags) throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: flags)
        #expect(file.mapping == nil)
        #expect(throws: Errno.operationNotSupportedByDevice) { try file.write([0x42], at: 0) }
        #expect(throws: Errno.operationNotSupportedByDevice) { _ = try file.read(1, at: 0) }
    }

    @Test(.needsGuestMemfdMmap) func punchWhileMappedZeroesThatPageAndKeepsTheOthers() throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .mappable)
        try file.write([UInt8](repeating: 0xaa, count: Int(Self.fileSize)), at: 0)

        try file.fallocate(.punchHole, KVMTest.range(0, KVMTest.page))
        let read = try file.read(Int(Self.fileSize), at: 0)

        // P5: the hole reads zero; the read copied only allocated pages, so it stays a hole.
        #expect(read[..<Int(KVMTest.page)].allSatisfy { $0 == 0 })
        #expect(read[Int(KVMTest.page)...].allSatisfy { $0 == 0xaa })
        #expect(file.allocation.totalLength == Self.fileSize - KVMTest.page)
    }
}

extension GuestMemfd {
    /// `write(_:at:)` for an array.
    mutating func write(_ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { _ = try write($0, at: offset) }
    }

    /// Up to `count` bytes from `offset`, as many as `read(into:at:)` gave.
    mutating func read(_ count: Int, at offset: Int64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let filled = try bytes.withUnsafeMutableBytes { try self.read(into: $0, at: offset) }
        return Array(bytes[..<filled])
    }
}
