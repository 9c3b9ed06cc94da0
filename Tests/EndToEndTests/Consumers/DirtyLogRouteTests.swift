import Foundation
import TestSupport
import Testing

/// `GET /v1/files/{fid}/dirty`: pages written by content PUT and by unpin since the last clear.
@Suite(.timeLimit(.scaledMinutes(10)))
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

    /// 5,000 one-byte writes to every other page of a large sparse file are 5,000 ranges, past
    /// the 4,096 a log holds: the answer says it coarsened, stays within the cap, and still
    /// names every page written. A clear makes the log exact again.
    @Test func logPastItsCapIsCoarseSaysSoAndStillCoversEveryPageWritten() async throws {
        let tenant = try await SharedGmemd.consumers.newTenant()
        let pages: Int64 = 10_000
        let file = try await tenant.createFile(size: pages * Self.page)
        let written = stride(from: 0, to: pages, by: 2).map { $0 * Self.page }

        let connection = try RawConnection(port: tenant.client.gmemd.port)
        for batch in stride(from: 0, to: written.count, by: 100) {
            let offsets = written[batch..<min(batch + 100, written.count)]
            try connection.send(
                offsets.map { Self.oneBytePut(file, at: $0, token: tenant.client.token!) }.joined())
            for _ in offsets { #expect(try await connection.reply().status == 200) }
        }
        // The tenant's usage is what was written; punch it away, the log keeps the pages.
        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: pages * Self.page)
        let log = try await tenant.dirtyLog(file)

        #expect(!log.exact)
        #expect(log.granularity > log.pageSize && log.granularity % log.pageSize == 0)
        #expect(log.ranges.count <= 4096)
        #expect(
            log.ranges.allSatisfy { $0.offset % log.granularity == 0 && $0.length % log.granularity == 0 })
        let missing = written.filter { page in
            !log.ranges.contains { $0.offset <= page && page < $0.offset + $0.length }
        }
        #expect(missing.isEmpty, "\(missing.count) pages written are not in the log")
        #expect(try await tenant.dirtyLog(file, clear: true).ranges == log.ranges)
        try await tenant.write(Data(count: 1), to: file, at: 3 * Self.page)
        let exact = try await tenant.dirtyLog(file)
        #expect(exact.exact && exact.granularity == exact.pageSize)
        #expect(exact.ranges == [.init(offset: 3 * Self.page, length: Self.page)])
    }

    /// A PUT of one byte at `offset`, as raw text for a pipelined batch.
    static func oneBytePut(_ file: RemoteFile, at offset: Int64, token: String) -> String {
        "PUT \(file.path)/content?offset=\(offset) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer \(token)\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: 1\r\n\r\nx"
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
