import GuestMem
import SystemPackage
import TestSupport
import Testing

/// The `inaccessible` service seal: only on an empty file, then no content access and only
/// page-aligned sizes and ranges.
@Suite(.timeLimit(.scaledMinutes(10)))
struct InaccessibleTests {
    @Test func inaccessibleOnAFileWithASizeIsBusyAndAddsNoOtherSeal() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4096)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.addSeals([.inaccessible, .grow], to: file.id)
        }

        #expect(error?.kind == .refused)
        #expect(error?.errno == .resourceBusy)
        #expect(try fixture.get(file.id) == file)
    }

    @Test func inaccessibleOnAnEmptyFileWithPagesPastItsEndIsBusy() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        try fixture.allocate(file.id, 0, 4096, keepSize: true)

        let error = #expect(throws: GuestMemError.self) { try fixture.addSeals(.inaccessible, to: file.id) }

        #expect(error?.errno == .resourceBusy)
    }

    @Test func inaccessibleOnAnEmptyFileIsAccepted() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        #expect(try fixture.addSeals(.inaccessible, to: file.id).seals == .inaccessible)
    }

    @Test func inaccessibleFileRefusesContentReadWriteAndOpenWithEPERM() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8192, flags: FileFlags(inaccessible: true))
        let (store, tenant) = (fixture.store, fixture.tenant)
        let calls: [() throws -> Void] = [
            { _ = try store.read(file.id, of: tenant, range: ByteRange(offset: 0, length: 1)) },
            { _ = try store.write(file.id, of: tenant, offset: 0, bytes: [1]) },
            { _ = try store.write(file.id, of: tenant, offset: 0, bytes: []) },
            { try store.openContent(file.id, of: tenant).close() },
        ]
        for call in calls {
            let error = #expect(throws: GuestMemError.self) { try call() }
            #expect(error?.kind == .refused)
            #expect(error?.errno == .notPermitted)
        }
        #expect(try fixture.get(file.id) == file)
    }

    @Test func inaccessibleAtCreationSetsTheSealAndTakesAPageAlignedSize() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 2 * Host.pageSize, flags: FileFlags(inaccessible: true))
        #expect(file.seals == .inaccessible)
        #expect(file.size == 2 * Host.pageSize)
    }

    @Test func inaccessibleAtCreationWithoutAllowSealingIsSetBesideTheKernelsSealSeal() throws {
        let fixture = try Fixture()
        let file = try fixture.create(flags: FileFlags(allowSealing: false, inaccessible: true))
        #expect(file.seals == [.seal, .inaccessible])
    }

    @Test func inaccessibleAtCreationWithAnUnalignedSizeIsInvalidAndCreatesNothing() throws {
        let fixture = try Fixture()
        let error = #expect(throws: GuestMemError.self) {
            try fixture.create(size: 100, flags: FileFlags(inaccessible: true))
        }
        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.usage().files == 0)
    }

    enum UnalignedCall: String, CaseIterable, CustomTestStringConvertible {
        case resize, allocateOffset, allocateLength, punchOffset, punchLength
        var testDescription: String { rawValue }

        func run(_ id: FileID, _ fixture: Fixture) throws {
            switch self {
            case .resize: _ = try fixture.store.resize(id, of: fixture.tenant, to: 4097)
            case .allocateOffset: try fixture.allocate(id, 1, 4096)
            case .allocateLength: try fixture.allocate(id, 0, 100)
            case .punchOffset: try fixture.punch(id, 4095, 4096)
            case .punchLength: try fixture.punch(id, 0, 4095)
            }
        }
    }

    @Test(arguments: UnalignedCall.allCases)
    func unalignedSizeOrRangeOnAnInaccessibleFileIsInvalidWithEINVAL(call: UnalignedCall) throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 8192, flags: FileFlags(inaccessible: true))
        try fixture.allocate(file.id, 0, 8192)
        let before = try fixture.get(file.id)

        let error = #expect(throws: GuestMemError.self) { try call.run(file.id, fixture) }

        #expect(error?.kind == .invalid)
        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.get(file.id) == before)
    }

    @Test func alignedAllocateAndPunchOnAnInaccessibleFileCountAsLockedBytes() throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 1 << 20, flags: FileFlags(inaccessible: true))

        try fixture.allocate(file.id, 0, 1 << 20)
        #expect(try fixture.usage().lockedBytes == 1 << 20)
        #expect(try fixture.usage().allocatedBytes == 1 << 20)

        let punched = try fixture.punch(file.id, 0, 256 << 10)
        #expect(punched.allocatedBytes == 768 << 10)
        #expect(try fixture.usage().lockedBytes == 768 << 10)
    }
}
