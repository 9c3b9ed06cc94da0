import HTTP
import Locking
import TestSupport
import Testing

/// Shutdown while a stream is open: an SSE reader between events would otherwise hold the
/// server for the whole grace period.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct LiveStreamShutdownTests {
    @Test func shutdownEndsAnOpenStreamAtOnceAndTellsItsProducerTheClientIsGone() async throws {
        let (streaming, resume, finished) = (Gate(), Gate(), Gate())
        let laterWrite = PthreadMutex<Bool?>(nil)
        var router = Router()
        router.add(
            .get, "/events",
            .onLoop { _ in
                Response(
                    status: .ok,
                    body: .stream { writer in
                        guard await writer.write(Array("first".utf8)) else { return }
                        streaming.open()
                        try? await resume.opened(within: LiveServer.readTimeout, "the test to resume")
                        let accepted = await writer.write(Array("late".utf8))
                        laterWrite.withLock { $0 = accepted }
                        finished.open()
                    })
            })
        // A grace far beyond the test's bound: only ending the stream lets run() return in time.
        let live = try LiveServer(router) { $0.shutdownGrace = .seconds(3600) }
        let client = try live.client()
        try client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        try await streaming.opened(within: LiveServer.readTimeout, "the first write")

        live.server.shutdown()
        let stopped = (try? await live.waitUntilStopped(within: .seconds(10))) != nil
        resume.open()
        try await finished.opened(within: LiveServer.readTimeout, "the producer to finish")

        #expect(stopped, "run() did not return while a stream was open")
        let response = try await client.reply()
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.text == "first")
        #expect(laterWrite.withLock { $0 } == false)
    }
}
