import Testing

/// Several requests written at once must be answered one by one, in the order they were sent
/// (RFC 9112 §9.3.2).
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
}
