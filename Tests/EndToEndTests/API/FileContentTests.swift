import Foundation
import TestSupport
import Testing

/// `/v1/files/{fid}/content`: bytes in with PUT at an offset, out with GET and HEAD, one byte
/// Range honoured (RFC 9110 §14); seals apply as the kernel applies them to pwrite(2).
@Suite(.timeLimit(.scaledMinutes(10)))
struct FileContentTests {
    static let size = 64 << 10
    static let data = Data.pattern(count: size, seed: 5)

    @Test func putAtAnOffsetAnswersWrittenAndSizeAndReadsBackInPlace() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: Int64(Self.size))

        let reply = try await tenant.client.put(
            file.path + "/content?offset=1000", bytes: Data("hello gmemd".utf8))

        #expect(reply.status == 200, "\(reply.text)")
        #expect(reply.json?["written"] as? Int == 11)
        #expect(reply.json?["size"] as? Int == Self.size)
        var expected = Data(count: Self.size)
        expected.replaceSubrange(1000..<1011, with: Data("hello gmemd".utf8))
        #expect(try await tenant.content(of: file) == expected)
    }

    /// A PUT that writes answers the file's new ETag, as every other change does, so a client
    /// can chain writes with If-Match without a GET between them; one that writes nothing
    /// leaves the version, and answers it unchanged.
    @Test func putAnswersTheFilesNewETagWhichTheNextPutCanMatch() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: Int64(Self.size))
        let created = try #require(file.etag)

        let first = try await tenant.client.put(file.path + "/content?offset=0", bytes: Data("one".utf8))

        #expect(first.status == 200, "\(first.text)")
        let tag = try #require(first.header("ETag"), "a write answers an ETag")
        #expect(tag != created)
        #expect(try await tenant.file(file.id).etag == tag)
        let second = try await tenant.client.send(
            "PUT", file.path + "/content?offset=3", body: Data("two".utf8),
            headers: ["Content-Type": "application/octet-stream", "If-Match": tag])
        #expect(second.status == 200, "\(second.text)")
        let after = try #require(second.header("ETag"))
        #expect(after != tag)
        #expect(try await tenant.file(file.id).etag == after)
        let empty = try await tenant.client.put(file.path + "/content?offset=0", bytes: Data())
        #expect(empty.status == 200 && empty.header("ETag") == after)
    }

    struct RangeRead: Sendable, CustomTestStringConvertible {
        var testDescription: String { range }
        var range: String
        var status: Int
        var contentRange: String?
        /// The bytes of `data` answered, for 200 and 206.
        var bytes: Range<Int>?
    }

    static let rangeReads: [RangeRead] = [
        RangeRead(
            range: "bytes=1000-1010", status: 206, contentRange: "bytes 1000-1010/65536", bytes: 1000..<1011),
        RangeRead(range: "bytes=0-0", status: 206, contentRange: "bytes 0-0/65536", bytes: 0..<1),
        RangeRead(
            range: "bytes=65530-", status: 206, contentRange: "bytes 65530-65535/65536", bytes: 65530..<65536),
        RangeRead(
            range: "bytes=-6", status: 206, contentRange: "bytes 65530-65535/65536", bytes: 65530..<65536),
        RangeRead(range: "bytes=-100000", status: 206, contentRange: "bytes 0-65535/65536", bytes: 0..<65536),
        RangeRead(
            range: "bytes=60000-99999", status: 206, contentRange: "bytes 60000-65535/65536",
            bytes: 60000..<65536),
        RangeRead(range: "bytes=65536-", status: 416, contentRange: "bytes */65536"),
        RangeRead(range: "bytes=70000-80000", status: 416, contentRange: "bytes */65536"),
        RangeRead(range: "bytes=-0", status: 416, contentRange: "bytes */65536"),
        // §14.1.1: the unit is case-insensitive and the range may have whitespace around it.
        RangeRead(range: "Bytes=0-0", status: 206, contentRange: "bytes 0-0/65536", bytes: 0..<1),
        RangeRead(range: "bytes=\t5-6 ", status: 206, contentRange: "bytes 5-6/65536", bytes: 5..<7),
        // Positions past Int64 are still digits: cut to the file, or past its end.
        RangeRead(
            range: "bytes=65000-99999999999999999999999", status: 206,
            contentRange: "bytes 65000-65535/65536",
            bytes: 65000..<65536),
        RangeRead(
            range: "bytes=-99999999999999999999999", status: 206, contentRange: "bytes 0-65535/65536",
            bytes: 0..<65536),
        RangeRead(range: "bytes=99999999999999999999999-", status: 416, contentRange: "bytes */65536"),
        // §14.2: a Range the server does not serve is ignored, and the whole file is sent.
        RangeRead(range: "bytes=0-1,4-5", status: 200, bytes: 0..<65536),
        RangeRead(range: "bytes=9-1", status: 200, bytes: 0..<65536),
        RangeRead(range: "bytes=+1-2", status: 200, bytes: 0..<65536),
        RangeRead(range: "bytes=1-+2", status: 200, bytes: 0..<65536),
        RangeRead(
            range: "bytes=99999999999999999999999-9999999999999999999999", status: 200, bytes: 0..<65536),
        RangeRead(range: "pages=0-1", status: 200, bytes: 0..<65536),
    ]

    @Test(arguments: rangeReads)
    func rangeReadAnswersTheRangeOr416WithTheSize(read: RangeRead) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: Int64(Self.size))
        try await tenant.write(Self.data, to: file)

        let reply = try await tenant.client.get(file.path + "/content", headers: ["Range": read.range])

        #expect(reply.status == read.status, "\(reply.text)")
        #expect(reply.header("Content-Range") == read.contentRange)
        if let bytes = read.bytes {
            #expect(reply.body == Self.data.subdata(in: bytes))
        } else {
            #expect(reply.problem?.status == 416)
        }
    }

    /// Over one connection: had the HEAD answer carried body bytes, the next answer would not parse.
    @Test func headHasTheContentLengthAndNoBody() async throws {
        let gmemd = try await Gmemd.api.running()
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: Int64(Self.size))
        let connection = try RawConnection(port: gmemd.port)
        let authorization = "Authorization: Bearer \(tenant.client.token!)"

        try connection.send(
            "HEAD \(file.path)/content HTTP/1.1\r\nHost: 127.0.0.1\r\n\(authorization)\r\n\r\n")
        let head = try connection.readReply(toHEAD: true)
        try connection.send(Requests.get())
        let next = try connection.readReply()

        #expect(head.status == 200)
        #expect(head.header("Content-Length") == "\(Self.size)")
        #expect(head.body.isEmpty)
        #expect(next.status == 200)
        #expect(next.json?["status"] as? String == "ok", "\(next.text)")
    }

    @Test(arguments: ["write", "future_write"])
    func putUnderAWriteSealIs409EPERMAndChangesNothing(seal: String) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let created = try await tenant.createFile(size: Int64(Self.size))
        try await tenant.write(Self.data, to: created)
        try await tenant.addSeals([seal], to: created)
        let file = try await tenant.file(created.id)

        let reply = try await tenant.client.put(file.path + "/content?offset=10", bytes: Data([0, 0, 0]))

        #expect(reply.status == 409, "\(reply.text)")
        #expect(reply.problem?.errno == "EPERM")
        #expect(try await tenant.file(file.id) == file)
        #expect(try await tenant.content(of: file) == Self.data)
    }

    @Test func putPastTheEndGrowsTheFileAndLeavesAHoleOfZeros() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let reply = try await tenant.client.put(file.path + "/content?offset=8192", bytes: Data("tail".utf8))

        #expect(reply.json?["size"] as? Int == 8196, "\(reply.text)")
        #expect(try await tenant.file(file.id).size == 8196)
        #expect(try await tenant.content(of: file) == Data(count: 8192) + Data("tail".utf8))
    }

    @Test func putPastTheEndOfAGrowSealedFileIs409EPERMButInsideIsAccepted() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let created = try await tenant.createFile(size: 4096)
        try await tenant.addSeals(["grow"], to: created)
        let file = try await tenant.file(created.id)

        let past = try await tenant.client.put(file.path + "/content?offset=4096", bytes: Data("abcd".utf8))
        let unchanged = try await tenant.file(file.id)
        let inside = try await tenant.client.put(file.path + "/content?offset=4092", bytes: Data("abcd".utf8))

        #expect(past.status == 409, "\(past.text)")
        #expect(past.problem?.errno == "EPERM")
        #expect(unchanged == file)
        #expect(inside.status == 200, "\(inside.text)")
        #expect(try await tenant.file(file.id).size == 4096)
    }

    struct InaccessibleSetup: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var make: @Sendable (Tenant) async throws -> RemoteFile
    }

    static let inaccessibleFiles: [InaccessibleSetup] = [
        InaccessibleSetup(testDescription: "inaccessible from creation") { tenant in
            try await tenant.createFile(size: 64 << 10, flags: ["inaccessible": true])
        },
        InaccessibleSetup(testDescription: "sealed inaccessible while empty, then grown") { tenant in
            let file = try await tenant.createFile(size: 0)
            try await tenant.addSeals(["inaccessible"], to: file)
            _ = try await tenant.resize(file, to: 64 << 10).expecting(200, "grow")
            return try await tenant.file(file.id)
        },
    ]

    @Test(arguments: inaccessibleFiles, ["GET", "HEAD", "PUT"])
    func contentOfAnInaccessibleFileIs409EPERM(setup: InaccessibleSetup, method: String) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await setup.make(tenant)

        let reply = try await tenant.client.send(
            method, file.path + "/content", body: method == "PUT" ? Data([1]) : nil,
            headers: ["Content-Type": "application/octet-stream"])

        #expect(reply.status == 409, "\(reply.text)")
        if method != "HEAD" { #expect(reply.problem?.errno == "EPERM") }
        #expect(try await tenant.file(file.id) == file)
    }

    @Test func eightMiBRoundTripThroughCurlComesBackByteForByte() async throws {
        let gmemd = try await Gmemd.api.running()
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 0)
        let upload = FileManager.default.temporaryDirectory.appending(path: "e2e-content-\(UUID())")
        let words = (0..<(1 << 20)).map { _ in UInt64.random(in: .min ... .max) }
        let data = words.withUnsafeBytes { Data($0) }
        try data.write(to: upload)
        defer { try? FileManager.default.removeItem(at: upload) }
        let authorization = "Authorization: Bearer \(tenant.client.token!)"
        let url = gmemd.url(file.path + "/content").absoluteString

        let put = try await Curl.run([
            "-X", "PUT", "-H", authorization, "-H", "Content-Type: application/octet-stream",
            "--data-binary", "@\(upload.path)", url + "?offset=0",
        ])
        let get = try await Curl.run(["-H", authorization, url])

        #expect(put.reply.status == 200, "\(put.reply.text)")
        #expect(put.reply.json?["written"] as? Int == 8 << 20)
        #expect(get.reply.status == 200)
        #expect(get.reply.header("Content-Length") == "\(8 << 20)")
        #expect(get.reply.body == data)
    }
}
