import Foundation
import TestSupport
import Testing

/// `GET /v1/files/{fid}/dirty`: pages written by content PUT and by unpin since the last clear.
@Suite(.timeLimit(.minutes(5)))
struct DirtyLogRouteTests {
    static let page: Int64 = 4096

    @Test func contentWritesAreLoggedAsMergedWholePages() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 16 * Self.page)

        try await tenant.write(Data(count: 10), to: file, at: Self.page + 5)
        try await tenant.write(Data(count: 10), to: file, at: 2 * Self.page)
        try await tenant.write(Data(count: 10), to: file, at: 9 * Self.page)

        let log = try await tenant.dirtyLog(file)
        #expect(log.pageSize == 4096)
        #expect(
            log.ranges == [
                .init(offset: Self.page, length: 2 * Self.page),
                .init(offset: 9 * Self.page, length: Self.page),
            ])
    }

    @Test func clearTrueAnswersTheLogAndEmptiesIt() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: 4 * Self.page)
        try await tenant.write(Data(count: 1), to: file)

        #expect(try await tenant.dirtyLog(file, clear: true).ranges == [.init(offset: 0, length: Self.page)])
        #expect(try await tenant.dirtyLog(file).ranges.isEmpty)

        try await tenant.write(Data(count: 1), to: file, at: 3 * Self.page)
        #expect(try await tenant.dirtyLog(file).ranges == [.init(offset: 3 * Self.page, length: Self.page)])
        #expect(try await tenant.dirtyLog(file).ranges == [.init(offset: 3 * Self.page, length: Self.page)])
    }

    @Test(arguments: ["?clear=yes", "?clear=1"])
    func clearThatIsNotTrueOrFalseIs422(query: String) async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let file = try await tenant.createFile(size: Self.page)
        try await tenant.write(Data(count: 1), to: file)

        #expect(try await tenant.client.get(file.path + "/dirty" + query).status == 422)
        #expect(try await tenant.dirtyLog(file).ranges.count == 1)
    }

    @Test func dirtyLogOfAnUnknownFileIs404() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()

        #expect(try await tenant.client.get("/v1/files/file_0000000000000000000000000a/dirty").status == 404)
    }
}
