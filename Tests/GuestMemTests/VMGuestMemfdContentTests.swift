import GuestMem
import SystemPackage
import TestSupport
import Testing

/// A guest_memfd file's content through the store: only through the mapping of a file made
/// with mmap and init_shared, refused clearly otherwise (kernel-semantics.md §1l).
@Suite(.timeLimit(.scaledMinutes(10)))
struct VMGuestMemfdContentTests {
    typealias Setup = VMGuestMemfdFileTests.VMFixture

    @Test(.needsGuestMemfdMmap) func bytesWrittenReadBackAndTheirPagesCountAsAllocated() throws {
        let setup = try Setup()
        let file = try setup.file(.mappable)
        let store = setup.fixture.store

        let written = try store.write(
            file.id, of: setup.fixture.tenant, offset: KVMTest.page - 2, bytes: [1, 2, 3, 4])
        let read = try store.read(
            file.id, of: setup.fixture.tenant, range: KVMTest.range(KVMTest.page - 2, 4))

        #expect(written.written == 4 && written.size == VMGuestMemfdFileTests.size)
        #expect(read == [1, 2, 3, 4])
        #expect(try setup.fixture.get(file.id).allocatedBytes == 2 * KVMTest.page)
        #expect(try setup.fixture.usage().lockedBytes == 2 * KVMTest.page)
    }

    @Test(.needsGuestMemfdMmap) func readingHolesAllocatesNothingAndChangesNothing() throws {
        var limits = Fixture.roomy
        limits.maxLockedBytes = KVMTest.page
        let setup = try Setup(limits: limits)
        let file = try setup.file(.mappable)
        _ = try setup.fixture.store.write(file.id, of: setup.fixture.tenant, offset: KVMTest.page, bytes: [7])
        let written = try setup.fixture.get(file.id)

        // Four pages, three of them holes: past max_locked_bytes, had they been faulted in.
        let read = try setup.fixture.store.read(
            file.id, of: setup.fixture.tenant, range: KVMTest.range(0, 4 * KVMTest.page))

        #expect(read.count == Int(4 * KVMTest.page))
        #expect(read.enumerated().allSatisfy { $0.element == ($0.offset == Int(KVMTest.page) ? 7 : 0) })
        #expect(try setup.fixture.get(file.id) == written)
        #expect(try setup.fixture.usage().lockedBytes == KVMTest.page)
    }

    @Test(.needsGuestMemfdMmap) func writeEndingPastTheFixedSizeIsEFBIGAndWritesNothing() throws {
        let setup = try Setup()
        let file = try setup.file(.mappable)

        let error = #expect(throws: GuestMemError.self) {
            try setup.fixture.store.write(
                file.id, of: setup.fixture.tenant, offset: file.size - 1, bytes: [1, 2])
        }

        #expect(error?.kind == .invalid && error?.errno == .fileTooLarge)
        #expect(try setup.fixture.get(file.id) == file)
    }

    @Test(
        .needsGuestMemfdMmap,
        arguments: [
            (GuestMemfdFlags.none, Errno.operationNotSupportedByDevice),
            (GuestMemfdFlags(mmap: false, initShared: true), .operationNotSupportedByDevice),
            (GuestMemfdFlags(mmap: true, initShared: false), .badAddress),
        ])
    func contentOfAFileGmemdDoesNotMapIsRefusedWithWhy(flags: GuestMemfdFlags, errno: Errno) throws {
        let setup = try Setup()
        let file = try setup.file(flags)
        let store = setup.fixture.store

        let read = #expect(throws: GuestMemError.self) {
            try store.read(file.id, of: setup.fixture.tenant, range: KVMTest.range(0, 1))
        }
        let write = #expect(throws: GuestMemError.self) {
            try store.write(file.id, of: setup.fixture.tenant, offset: 0, bytes: [1])
        }

        #expect(read?.kind == .invalid && read?.errno == errno)
        #expect(write?.errno == errno)
        #expect(try setup.fixture.get(file.id) == file)
    }

    @Test(.needsGuestMemfdMmap) func aGuestMemfdHasNoFdToSendItsContentFrom() throws {
        let setup = try Setup()
        let file = try setup.file(.mappable)

        let error = #expect(throws: GuestMemError.self) {
            _ = try setup.fixture.store.openContent(file.id, of: setup.fixture.tenant)
        }

        #expect(error?.errno == .illegalSeek)
        #expect(setup.fixture.store.isGuestMemfd(file.id, of: setup.fixture.tenant))
    }
}
