import GuestMem
import SystemPackage
import TestSupport
import Testing

/// kernel-semantics.md §1c, cell by cell: a 64 KiB memfd full of data, one seal state, one
/// operation through the store. The kernel's answer must come through unchanged, and a refusal
/// must change nothing.
@Suite(.timeLimit(.scaledMinutes(10)))
struct SealMatrixTests {
    enum SealState: String, CaseIterable, CustomTestStringConvertible {
        case none, shrink, grow, write, futureWrite, exec, sealOnly, shrinkGrowWrite
        var testDescription: String { rawValue }

        var seals: SealSet {
            switch self {
            case .none, .exec: []
            case .shrink: .shrink
            case .grow: .grow
            case .write: .write
            case .futureWrite: .futureWrite
            case .sealOnly: .seal
            case .shrinkGrowWrite: [.shrink, .grow, .write]
            }
        }

        /// The exec column is an MFD_NOEXEC_SEAL file: F_SEAL_EXEC from creation (M4).
        var flags: FileFlags { self == .exec ? FileFlags(noexecSeal: true) : FileFlags() }
    }

    enum Operation: String, CaseIterable, CustomTestStringConvertible {
        case writeInside, writeExtending, read, shrink, grow, sameSize
        case allocateInside, allocateExtending, allocateKeepSizeBeyondEnd, punchInside, punchBeyondEnd
        var testDescription: String { rawValue }

        /// The columns of §1c where the kernel answers EPERM.
        var refusedUnder: Set<SealState> {
            switch self {
            case .writeInside, .punchInside, .punchBeyondEnd: [.write, .futureWrite, .shrinkGrowWrite]
            case .writeExtending: [.grow, .write, .futureWrite, .shrinkGrowWrite]
            case .shrink: [.shrink, .shrinkGrowWrite]
            case .grow, .allocateExtending, .allocateKeepSizeBeyondEnd: [.grow, .shrinkGrowWrite]
            case .read, .sameSize, .allocateInside: []
            }
        }

        func run(on id: FileID, _ fixture: Fixture) throws {
            let size: Int64 = 64 << 10
            switch self {
            case .writeInside:
                _ = try fixture.store.write(id, of: fixture.tenant, offset: 0, bytes: [1, 2, 3, 4])
            case .writeExtending:
                _ = try fixture.store.write(id, of: fixture.tenant, offset: size, bytes: [1])
            case .read:
                _ = try fixture.store.read(id, of: fixture.tenant, range: ByteRange(offset: 0, length: 4096))
            case .shrink: _ = try fixture.store.resize(id, of: fixture.tenant, to: size / 2)
            case .grow: _ = try fixture.store.resize(id, of: fixture.tenant, to: size * 2)
            case .sameSize: _ = try fixture.store.resize(id, of: fixture.tenant, to: size)
            case .allocateInside: try fixture.allocate(id, 0, 4096)
            case .allocateExtending: try fixture.allocate(id, size, 4096)
            case .allocateKeepSizeBeyondEnd: try fixture.allocate(id, size * 2, 4096, keepSize: true)
            case .punchInside: try fixture.punch(id, 0, 4096)
            case .punchBeyondEnd: try fixture.punch(id, size * 4, 4096)
            }
        }
    }

    @Test(arguments: Operation.allCases, SealState.allCases)
    func operationUnderSealGetsTheKernelsAnswer(operation: Operation, state: SealState) throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 64 << 10, flags: state.flags)
        if !state.seals.isEmpty { try fixture.addSeals(state.seals, to: file.id) }
        let before = try fixture.get(file.id)

        if operation.refusedUnder.contains(state) {
            let error = #expect(throws: GuestMemError.self) { try operation.run(on: file.id, fixture) }
            #expect(error?.kind == .refused)
            #expect(error?.errno == .notPermitted)
            #expect(try fixture.get(file.id) == before)
        } else {
            try operation.run(on: file.id, fixture)
            #expect(try fixture.usage().allocatedBytes == fixture.kernelStatus(file.id).allocatedBytes)
        }
    }
}
