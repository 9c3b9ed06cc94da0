import Foundation
import TestSupport
import Testing

/// gmemd driven by curl, the client its users script with.
@Suite(.timeLimit(.scaledMinutes(10)))
struct CurlTests {
    @Test func curlGetsHealthAs200JSON() async throws {
        let gmemd = try await Gmemd.shared.running()

        let curl = try await Curl.run([gmemd.url("/v1/health").absoluteString])

        #expect(curl.reply.status == 200)
        #expect(curl.reply.contentType?.hasPrefix("application/json") == true)
        #expect(curl.reply.json?["status"] as? String == "ok")
    }

    /// An upload and a large POST both make curl send `Expect: 100-continue`. curl is told to wait
    /// for the answer as long as the transfer may take, so a server that does not answer
    /// `100 Continue` gets no body and fails the test whatever the machine's speed.
    @Test(arguments: [BodyUpload.putFile, .postData])
    func largeBodyIsAnsweredAfter100ContinueWithoutCurlTimingOut(upload: BodyUpload) async throws {
        let gmemd = try await Gmemd.shared.running()
        let file = FileManager.default.temporaryDirectory.appending(path: "e2e-upload-\(UUID())")
        try Data(repeating: 0x61, count: upload.size).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let curl = try await Curl.run(
            upload.curlArguments(file: file.path) + [gmemd.url("/v1/health").absoluteString])

        #expect(curl.trace.contains("> Expect: 100-continue"), "curl did not ask; the test proves nothing")
        let interim = try #require(curl.trace.range(of: "< HTTP/1.1 100"), "no 100 Continue:\n\(curl.trace)")
        let final = try #require(curl.trace.range(of: "< HTTP/1.1 405"), "no 405:\n\(curl.trace)")
        #expect(interim.lowerBound < final.lowerBound)
        #expect(curl.reply.status == 405)
        #expect(curl.reply.problem?.status == 405)
    }

    /// A body over --max-body-bytes is refused from its head: no `100 Continue`, so curl, which
    /// waits for one as long as the transfer may take, sends none of the 8 MiB.
    @Test func largePostOverTheBodyLimitIs413WithoutAsking100Continue() async throws {
        let gmemd = try await LimitTests.small.running()
        let file = FileManager.default.temporaryDirectory.appending(path: "e2e-upload-\(UUID())")
        try Data(repeating: 0x61, count: 8 << 20).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let curl = try await Curl.run(
            BodyUpload.postData.curlArguments(file: file.path)
                + ["-w", "%{size_upload}\n", gmemd.url("/v1/health").absoluteString])

        #expect(curl.reply.status == 413)
        #expect(curl.reply.problem?.status == 413)
        #expect(curl.trace.contains("> Expect: 100-continue"), "curl did not ask; the test proves nothing")
        #expect(!curl.trace.contains("< HTTP/1.1 100"), "trace:\n\(curl.trace)")
        #expect(curl.writeOut == ["0"], "bytes of the body curl sent")
    }

    /// Two HEADs over one connection: if the first answer carried body bytes, curl would see them as
    /// garbage before the second answer and open a new connection.
    @Test func headAnswerHasContentLengthButNoBodyAndKeepsTheConnection() async throws {
        let gmemd = try await Gmemd.shared.running()
        let url = gmemd.url("/v1/health").absoluteString

        let curl = try await Curl.run([
            "--head", "-w", "%{http_code} %{num_connects} %{size_download}\n", url, "-o", "/dev/null", url,
        ])

        #expect(curl.writeOut == ["200 1 0", "200 0 0"], "trace:\n\(curl.trace)")
        let length = try #require(curl.reply.header("Content-Length").flatMap { Int($0) })
        #expect(length > 0)
        #expect(curl.reply.contentType?.hasPrefix("application/json") == true)
    }
}

enum BodyUpload: String, CaseIterable, Sendable {
    case putFile = "curl -T file (2 MiB PUT)"
    case postData = "curl --data-binary @file (8 MiB POST)"

    var size: Int { self == .putFile ? 2 << 20 : 8 << 20 }

    /// curl's arguments for the upload, waiting for `100 Continue` (or a final answer) up to its
    /// whole --max-time instead of its 1 s default.
    func curlArguments(file: String) -> [String] {
        let wait = ["--expect100-timeout", "30"]
        switch self {
        case .putFile: return wait + ["-T", file]
        case .postData:
            return wait + ["-H", "Content-Type: application/octet-stream", "--data-binary", "@\(file)"]
        }
    }
}
