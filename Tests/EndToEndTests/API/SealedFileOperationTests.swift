import TestSupport
import Testing

/// kernel-semantics.md §1c end to end: a 64 KiB memfd holding data, in one seal state, gets one
/// operation. Each cell answers as the kernel does: 200, or 409 with EPERM and nothing changed.
@Suite(.timeLimit(.scaledMinutes(10)))
struct SealedFileOperationTests {
    @Test(arguments: SealState.allCases, FileOperation.allCases)
    func operationUnderASealAnswersAsTheKernelDoes(state: SealState, operation: FileOperation) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await state.prepare(for: tenant)
        let before = try await tenant.file(file.id)

        let reply = try await operation.run(on: file, as: tenant)

        if state.listed.isDisjoint(with: operation.refusingSeals) {
            #expect(reply.status == 200, "\(reply.text)")
            #expect(try await tenant.file(file.id).size == operation.sizeAfter)
        } else {
            #expect(reply.status == 409, "\(reply.text)")
            #expect(reply.problem?.errno == "EPERM")
            #expect(try await tenant.file(file.id) == before)
            #expect(try await tenant.content(of: file) == SealState.data)
        }
    }
}
