import Glibc
import SystemPackage
import TestSupport
import Testing

@testable import GuestMem

/// A guest_memfd's creation and allocation, answered by the kernel (kernel-semantics.md §1i–1k).
@Suite(.timeLimit(.scaledMinutes(10)))
struct KVMGuestMemfdTests {
    static let fileSize = 16 * KVMTest.page

    @Test(.needsGuestMemfd, arguments: [0, 1, 4095, 4097, -4096] as [Int64])
    func sizeThatIsNotAPositiveMultipleOfThePageIsRefusedWithEINVAL(size: Int64) throws {
        let vm = try KVMTest.vm()

        #expect(throws: Errno.invalidArgument) { _ = try GuestMemfd(in: vm, size: size, flags: .none) }
    }

    @Test(.needsGuestMemfd, arguments: [4, 1 << 63] as [UInt64])
    func flagTheKernelDoesNotKnowIsRefusedByTheKernelWithEINVAL(bits: UInt64) throws {
        let vm = try KVMTest.vm()
        let flags = GuestMemfdFlags(rawValue: bits)

        #expect(throws: Errno.invalidArgument) {
            _ = try GuestMemfd(in: vm, size: KVMTest.page, flags: flags)
        }
    }

    @Test(.needsGuestMemfdMmap) func mmapWithoutInitSharedIsCreatedByTheKernelButNeverMapped() throws {
        let vm = try KVMTest.vm()
        let flags = GuestMemfdFlags(mmap: true, initShared: false)
        let file = try GuestMemfd(in: vm, size: Self.fileSize, flags: flags)

        // P3: such a mapping would fault on every access, so none is made.
        #expect(flags.rawValue == 1 && !flags.isMappable)
        #expect(file.mapping == nil)
    }

    @Test func initSharedAloneIsKeptButIsNotMappable() throws {
        let flags = GuestMemfdFlags(mmap: false, initShared: true)

        #expect(flags.rawValue == 2)
        #expect(!flags.isMappable)
        #expect(GuestMemfdFlags.mappable.rawValue == 3 && GuestMemfdFlags.mappable.isMappable)
    }

    @Test(.needsGuestMemfd) func createdFileHasItsSizeAndNothingAllocated() throws {
        let vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .none)

        #expect(file.size == Self.fileSize)
        #expect(file.allocation.totalLength == 0)
    }

    @Test(.needsGuestMemfd) func allocationWithKeepSizeIsRecordedAndRepeatingItChangesNothing() throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .none)

        try file.fallocate(.allocate(keepSize: true), KVMTest.range(0, 4 * KVMTest.page))
        try file.fallocate(.allocate(keepSize: true), KVMTest.range(0, 4 * KVMTest.page))

        #expect(file.allocation.ranges == [try KVMTest.range(0, 4 * KVMTest.page)])
    }

    @Test(.needsGuestMemfd) func allocationWithoutKeepSizeIsRefusedWithEOPNOTSUPPAndRecordsNothing() throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .none)

        #expect(throws: Errno.notSupported) {
            try file.fallocate(.allocate(keepSize: false), KVMTest.range(0, KVMTest.page))
        }
        #expect(file.allocation.totalLength == 0)
    }

    @Test(
        .needsGuestMemfd,
        arguments: [
            (1, KVMTest.page), (0, 100), (16 * KVMTest.page, KVMTest.page),
            (15 * KVMTest.page, 2 * KVMTest.page),
            (17 * KVMTest.page, KVMTest.page),
        ] as [(Int64, Int64)])
    func allocationUnalignedOrNotInsideTheFileIsRefusedWithEINVAL(offset: Int64, length: Int64) throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .none)

        #expect(throws: Errno.invalidArgument) {
            try file.fallocate(.allocate(keepSize: true), KVMTest.range(offset, length))
        }
        #expect(file.allocation.totalLength == 0)
    }

    @Test(
        .needsGuestMemfd,
        arguments: [(KVMTest.page - 1, KVMTest.page), (KVMTest.page, KVMTest.page - 1)] as [(Int64, Int64)])
    func unalignedPunchIsRefusedWithEINVALAndFreesNothing(offset: Int64, length: Int64) throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .none)
        try file.fallocate(.allocate(keepSize: true), KVMTest.range(0, Self.fileSize))

        #expect(throws: Errno.invalidArgument) {
            try file.fallocate(.punchHole, KVMTest.range(offset, length))
        }
        #expect(file.allocation.totalLength == Self.fileSize)
    }

    @Test(
        .needsGuestMemfd,
        arguments: [(16 * KVMTest.page, KVMTest.page), (17 * KVMTest.page, KVMTest.page), (0, 1 << 30)]
            as [(Int64, Int64)])
    func punchAtOrPastTheEndIsAcceptedAndFreesWhatItCovers(offset: Int64, length: Int64) throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .none)
        try file.fallocate(.allocate(keepSize: true), KVMTest.range(0, Self.fileSize))

        try file.fallocate(.punchHole, KVMTest.range(offset, length))

        #expect(file.allocation.totalLength == min(offset, Self.fileSize))
    }

    @Test(.needsGuestMemfd) func punchInsideAnAllocationSplitsTheRecord() throws {
        let vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: Self.fileSize, flags: .none)
        try file.fallocate(.allocate(keepSize: true), KVMTest.range(0, 8 * KVMTest.page))

        try file.fallocate(.punchHole, KVMTest.range(2 * KVMTest.page, 2 * KVMTest.page))

        #expect(
            file.allocation.ranges == [
                try KVMTest.range(0, 2 * KVMTest.page), try KVMTest.range(4 * KVMTest.page, 4 * KVMTest.page),
            ])
    }

    @Test(.needsGuestMemfdMmap, arguments: [GuestMemfdFlags.none, .mappable])
    func readAndWriteSyscallsAreRefusedByTheKernel(flags: GuestMemfdFlags) throws {
        let vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: Self.fileSize, flags: flags)
        var buffer = [UInt8](repeating: 0, count: 64)
        let fd = file.fd.rawValue

        // read(2) and write(2) are EINVAL, pread(2) and pwrite(2) ESPIPE (G1, G2, P10).
        #expect(Self.errno { read(fd, &buffer, 64) } == .invalidArgument)
        #expect(Self.errno { write(fd, buffer, 64) } == .invalidArgument)
        #expect(Self.errno { pread(fd, &buffer, 64, 0) } == .illegalSeek)
        #expect(Self.errno { pwrite(fd, buffer, 64, 0) } == .illegalSeek)
    }

    /// The errno a raw call that must fail left, or nil if it succeeded.
    private static func errno(_ call: () -> Int) -> Errno? {
        call() == -1 ? Errno(rawValue: Glibc.errno) : nil
    }
}
