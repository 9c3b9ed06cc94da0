import GuestMem
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Adding seals: the kernel's rules (kernel-semantics.md §1b, §1d, §1e) and the service's.
@Suite(.timeLimit(.scaledMinutes(10)))
struct SealingTests {
    @Test func fileWithoutAllowSealingStartsWithSealSetAndRefusesEverySealWithEPERM() throws {
        let fixture = try Fixture()
        let file = try fixture.create(flags: FileFlags(allowSealing: false))
        #expect(file.seals == .seal)

        for seals: SealSet in [[], .shrink, .inaccessible, .noNewConsumers] {
            let error = #expect(throws: GuestMemError.self) { try fixture.addSeals(seals, to: file.id) }
            #expect(error?.errno == .notPermitted)
        }
        #expect(try fixture.get(file.id) == file)
    }

    @Test(arguments: [[], .seal, .grow, .inaccessible, .noNewConsumers] as [SealSet])
    func afterTheSealSealNoSealCanBeAdded(seals: SealSet) throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        let sealed = try fixture.addSeals(.seal, to: file.id)

        let error = #expect(throws: GuestMemError.self) { try fixture.addSeals(seals, to: file.id) }

        #expect(error?.kind == .refused)
        #expect(error?.errno == .notPermitted)
        #expect(try fixture.get(file.id) == sealed)
    }

    @Test func sealAddedTwiceSucceedsAndChangesTheVersionOnce() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        let first = try fixture.addSeals(.shrink, to: file.id)
        let second = try fixture.addSeals(.shrink, to: file.id)
        #expect(first.seals == .shrink)
        #expect(first.version == file.version + 1)
        #expect(second == first)
    }

    @Test func unknownSealBitIsInvalidWithEINVAL() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        let error = #expect(throws: GuestMemError.self) {
            try fixture.addSeals(SealSet(rawValue: 0x40), to: file.id)
        }
        #expect(error?.kind == .invalid)
        #expect(error?.errno == .invalidArgument)
    }

    @Test func noexecSealWithoutAllowSealingStartsWithExecAndStaysSealable() throws {
        let fixture = try Fixture()
        let file = try fixture.create(flags: FileFlags(allowSealing: false, noexecSeal: true))
        #expect(file.seals == .exec)
        #expect(try fixture.addSeals(.grow, to: file.id).seals == [.exec, .grow])
    }

    @Test func execTogetherWithNoexecSealIsInvalidWithEINVAL() throws {
        let fixture = try Fixture()
        let error = #expect(throws: GuestMemError.self) {
            try fixture.create(flags: FileFlags(exec: true, noexecSeal: true))
        }
        #expect(error?.errno == .invalidArgument)
        #expect(try fixture.usage().files == 0)
    }

    @Test func execSealOnAnExecutableFileAlsoAddsTheFourWriteSeals() throws {
        let fixture = try Fixture()
        let file = try fixture.create(flags: FileFlags(exec: true))
        let sealed = try fixture.addSeals(.exec, to: file.id)
        #expect(sealed.seals == [.exec, .shrink, .grow, .write, .futureWrite])
    }

    @Test func writeSealUnderAWritableSharedMappingIsBusyAndAddsNothing() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 4096)
        let mapping = try Self.sharedWritableMapping(of: file.id, fixture)

        let error = #expect(throws: GuestMemError.self) {
            try fixture.addSeals([.write, .noNewConsumers], to: file.id)
        }
        #expect(error?.kind == .refused)
        #expect(error?.errno == .resourceBusy)
        #expect(try fixture.get(file.id).seals == [])

        munmap(mapping, 4096)
        #expect(try fixture.addSeals(.write, to: file.id).seals == .write)
    }

    @Test func futureWriteSealUnderAWritableSharedMappingIsAccepted() throws {
        let fixture = try Fixture()
        let file = try fixture.filled(size: 4096)
        let mapping = try Self.sharedWritableMapping(of: file.id, fixture)
        defer { munmap(mapping, 4096) }

        #expect(try fixture.addSeals(.futureWrite, to: file.id).seals == .futureWrite)
    }

    /// A MAP_SHARED, PROT_READ | PROT_WRITE mapping of the file's first page. The mapping keeps
    /// the file's pages busy after the fd that made it is closed.
    static func sharedWritableMapping(of id: FileID, _ fixture: Fixture) throws -> UnsafeMutableRawPointer {
        let handle = try fixture.store.openContent(id, of: fixture.tenant)
        let mapping = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, handle.fd.rawValue, 0)
        handle.close()
        return try #require(mapping == MAP_FAILED ? nil : mapping)
    }

    @Test func noNewConsumersIsStoredAndReported() throws {
        let fixture = try Fixture()
        let file = try fixture.create()
        #expect(try fixture.addSeals(.noNewConsumers, to: file.id).seals == .noNewConsumers)
        #expect(try fixture.store.seals(file.id, of: fixture.tenant) == .noNewConsumers)
    }

    @Test func everySealHasAStableDistinctName() {
        let names = SealSet.Seal.allCases.map(\.name)
        #expect(
            names == [
                "seal", "shrink", "grow", "write", "future_write", "exec", "inaccessible", "no_new_consumers",
            ])
        #expect(SealSet(SealSet.Seal.allCases).seals == SealSet.Seal.allCases)
    }
}
