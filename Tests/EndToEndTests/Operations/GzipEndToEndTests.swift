import Foundation
import TestSupport
import Testing

/// gzip as curl sees it: content and JSON lists decode to the bytes sent without it, ranges stay
/// uncoded, request bodies in gzip are taken, and a gzip bomb is refused with 413.
@Suite(.timeLimit(.scaledMinutes(10)))
struct GzipEndToEndTests {
    static let gmemd = SharedGmemd(flags: ["--max-body-bytes", "8388608"])

    /// A tenant with a 4 MiB file: a text pattern in its first 256 KiB, zero pages after it.
    static func tenantWithFile(_ gmemd: Gmemd) async throws -> (header: [String], file: String) {
        let tenant = try await gmemd.newTenant()
        let json = ["-H", "Content-Type: application/json"]
        let created = try await gmemd.curl(
            "/v1/files", tenant.header + json + ["--data-binary", #"{"name":"gz","size":4194304}"#]
        ).reply
        let file = try #require(created.json?["id"] as? String, "\(created.text)")
        let pattern = Data((0..<(256 * 1024)).map { UInt8(ascii: "a") + UInt8($0 % 26) })
        let upload = FileManager.default.temporaryDirectory.appending(path: "e2e-gz-\(UUID())")
        try pattern.write(to: upload)
        defer { try? FileManager.default.removeItem(at: upload) }
        let written = try await gmemd.curl(
            "/v1/files/\(file)/content?offset=0",
            tenant.header + ["-X", "PUT", "--data-binary", "@\(upload.path)"]
        ).reply
        try #require(written.status == 200, "\(written.text)")
        return (tenant.header, file)
    }

    @Test func contentDownloadInGzipDecodesToTheSameBytes() async throws {
        let gmemd = try await Self.gmemd.running()
        let (tenant, file) = try await Self.tenantWithFile(gmemd)

        let coded = try await gmemd.curl("/v1/files/\(file)/content", tenant + ["--compressed"])
        let plain = try await gmemd.curl("/v1/files/\(file)/content", tenant)

        #expect(coded.reply.header("Content-Encoding") == "gzip")
        #expect(coded.reply.header("Transfer-Encoding") == "chunked")
        #expect(coded.reply.header("Vary") == "Accept-Encoding")
        #expect(plain.reply.header("Content-Encoding") == nil)
        #expect(plain.reply.body.count == 4 << 20)
        #expect(coded.reply.body == plain.reply.body)
        #expect(coded.trace.contains("> Accept-Encoding:"), "curl did not ask; the test proves nothing")
    }

    @Test func gzipBodyIsAFractionOfTheFileForZeroPages() async throws {
        let gmemd = try await Self.gmemd.running()
        let (tenant, file) = try await Self.tenantWithFile(gmemd)

        let raw = try await gmemd.curl(
            "/v1/files/\(file)/content", tenant + ["-H", "Accept-Encoding: gzip", "-w", "%{size_download}\n"])

        #expect(raw.reply.header("Content-Encoding") == "gzip")
        let downloaded = try #require(raw.writeOut.last.flatMap { Int($0) })
        #expect(downloaded < (4 << 20) / 10, "4 MiB, mostly zero pages, came as \(downloaded) bytes")
    }

    @Test func rangeRequestIsAnsweredUncoded() async throws {
        let gmemd = try await Self.gmemd.running()
        let (tenant, file) = try await Self.tenantWithFile(gmemd)

        let part = try await gmemd.curl(
            "/v1/files/\(file)/content", tenant + ["--compressed", "-H", "Range: bytes=0-9999"])

        #expect(part.reply.status == 206)
        #expect(part.reply.header("Content-Encoding") == nil)
        #expect(part.reply.header("Content-Range") == "bytes 0-9999/4194304")
        #expect(part.reply.body.count == 10000)
        #expect(part.reply.body.prefix(3) == Data("abc".utf8))
    }

    @Test func jsonListDecodesToTheSameDocument() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant()
        for index in 0..<20 {
            _ = try await gmemd.curl(
                "/v1/files",
                tenant.header + [
                    "-H", "Content-Type: application/json", "--data-binary",
                    #"{"name":"f\#(index)","size":4096}"#,
                ])
        }

        let coded = try await gmemd.curl("/v1/files?limit=100", tenant.header + ["--compressed"])
        let plain = try await gmemd.curl("/v1/files?limit=100", tenant.header)

        #expect(coded.reply.header("Content-Encoding") == "gzip")
        #expect(coded.reply.body == plain.reply.body)
        #expect((coded.reply.json?["items"] as? [Any])?.count == 20)
    }

    @Test func smallJSONIsSentAsItIs() async throws {
        let gmemd = try await Self.gmemd.running()

        let health = try await gmemd.curl("/v1/health", ["--compressed"])

        #expect(health.reply.status == 200)
        #expect(health.reply.header("Content-Encoding") == nil)
    }

    @Test func gzipRequestBodyIsAccepted() async throws {
        let gmemd = try await Self.gmemd.running()
        let body = try await Self.gzip(Data(#"{"name":"sent-in-gzip"}"#.utf8))

        let created = try await gmemd.curl(
            "/v1/tenants",
            try gmemd.adminHeader + [
                "-H", "Content-Type: application/json", "-H", "Content-Encoding: gzip", "--data-binary",
                "@\(body.path)",
            ])

        #expect(created.reply.status == 201, "\(created.reply.text)")
        #expect(created.reply.json?["name"] as? String == "sent-in-gzip")
    }

    /// 64 MiB of zeros gzip to ~64 KiB, far under the 8 MiB body limit; inflated they are over it.
    @Test func gzipBombIsRefusedWith413() async throws {
        let gmemd = try await Self.gmemd.running()
        let bomb = try await Self.gzip(zeros: 64 << 20)
        let size = try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int ?? 0
        #expect(size < 1 << 20)

        let refused = try await gmemd.curl(
            "/v1/tenants",
            try gmemd.adminHeader + [
                "-H", "Content-Type: application/json", "-H", "Content-Encoding: gzip", "--data-binary",
                "@\(bomb.path)",
            ])

        #expect(refused.reply.status == 413)
        #expect(refused.reply.problem?.status == 413)
        let health = try await gmemd.curl("/v1/health")
        #expect(health.reply.status == 200)
    }

    @Test func brokenGzipBodyIs400() async throws {
        let gmemd = try await Self.gmemd.running()

        let refused = try await gmemd.curl(
            "/v1/tenants",
            try gmemd.adminHeader + ["-H", "Content-Encoding: gzip", "--data-binary", "not gzip at all"])

        #expect(refused.reply.status == 400)
    }

    /// `data` gzipped by the gzip command into a temporary file.
    static func gzip(_ data: Data) async throws -> URL {
        let plain = FileManager.default.temporaryDirectory.appending(path: "e2e-gz-\(UUID())")
        try data.write(to: plain)
        let result = try await Subprocess.run("gzip", ["-f", plain.path])
        try #require(result.succeeded, "\(result.stderr)")
        return plain.appendingPathExtension("gz")
    }

    static func gzip(zeros count: Int) async throws -> URL {
        let file = FileManager.default.temporaryDirectory.appending(path: "e2e-bomb-\(UUID()).gz")
        let result = try await Subprocess.run(
            "sh", ["-c", "head -c \(count) /dev/zero | gzip -9 > \"$0\"", file.path])
        try #require(result.succeeded, "\(result.stderr)")
        return file
    }
}
