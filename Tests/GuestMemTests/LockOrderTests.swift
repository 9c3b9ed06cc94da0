import TestSupport
import Testing

@testable import GuestMem

/// The one lock order (LockOrder.swift): a lock is taken only under locks that rank below it,
/// never two of one rank, and nothing under a leaf.
@Suite(.timeLimit(.scaledMinutes(10)))
struct LockOrderTests {
    @Test(
        arguments: [
            (.fileState, [.fileOperation], true),
            (.consumer, [.vm, .fileOperation, .fileState], true),
            (.fileOperation, [.vm], true),
            (.storeMaps, [], true),
            (.tenant, [.fileState], true),
            (.fileOperation, [.fileState], false),
            (.fileState, [.fileState], false),
            (.vm, [.fileOperation], false),
            (.storeMaps, [.tenant], false),
            (.tenant, [.storeMaps], false),
            (.consumer, [.storeMaps], false),
            (.tenantTable, [.tenantChanges], true),
            (.storeMaps, [.tenantChanges], true),
            (.tenant, [.tenantChanges], true),
            (.tenantChanges, [.tenantTable], false),
            (.tenantTable, [.storeMaps], false),
            (.tenantChanges, [.fileOperation], false),
        ] as [(LockRank, Set<LockRank>, Bool)])
    func aLockIsTakenOnlyUnderLowerRanksAndNeverUnderALeaf(
        taking: LockRank, holding: Set<LockRank>, isAllowed: Bool
    ) {
        #expect((taking.violation(holding: holding) == nil) == isAllowed)
    }

    #if DEBUG
        @Test func debugBuildsKnowWhichRanksTheThreadHolds() throws {
            let fixture = try Fixture()
            let file = try fixture.create(size: 4096)
            let (_, managed) = try fixture.store.lookup(file.id, of: fixture.tenant)

            let held = try managed.operating { _ throws(GuestMemError) in
                managed.state.withLock { _ in HeldRanks.current }
            }

            #expect(held == [.fileOperation, .fileState])
            #expect(HeldRanks.current.isEmpty)
        }
    #endif
}
