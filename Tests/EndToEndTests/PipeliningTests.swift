import Foundation
import TestSupport
import Testing

/// Several requests written at once must be answered one by one, in the order they were sent
/// (RFC 9112 §9.3.2).
@Suite(.timeLimit(.scaledMinutes(10)))
struct PipeliningTests {
    @Test func threeRequestsInOneWriteGetThreeAnswersInOrder() async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(Requests.get() + Requests.get("/v1/nope") + Requests.delete())

        let statuses = try (0..<3).map { _ in try connection.readReply().status }
        #expect(statuses == [200, 404, 405])
    }

    /// The GET right behind the HEAD would be misread if the HEAD's answer carried a body.
    @Test func headAnswerHasContentLengthAndNoBodyBeforeTheNextAnswer() async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(Requests.head() + Requests.get())

        let head = try connection.readReply(toHEAD: true)
        let get = try connection.readReply()
        #expect(head.status == 200)
        #expect(head.header("Content-Length") == get.header("Content-Length"))
        #expect(get.status == 200)
        #expect(get.json?["status"] as? String == "ok")
    }

    /// 1,000 requests in one write, a 1 MiB content download at 500 (answered with sendfile from
    /// the memfd): more than 256 KiB of output pauses parsing, and every request is still answered.
    @Test func thousandPipelinedRequestsWithAMegabyteDownloadAmongThemAreAllAnswered() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 1 << 20)
        let content = Data((0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 / 4096 + 1) })
        try await tenant.write(content, to: file)
        let connection = try RawConnection(port: try await Gmemd.api.running().port)
        let download =
            "GET \(file.path)/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(tenant.client.token!)\r\n\r\n"

        try connection.send((0..<1000).map { $0 == 500 ? download : Requests.get() }.joined())

        for index in 0..<1000 {
            let reply = try connection.readReply()
            #expect(reply.status == 200, "request \(index)")
            if index == 500 {
                #expect(reply.body == content)
            } else {
                #expect(reply.json?["status"] as? String == "ok")
            }
        }
    }
}
