import HTTP
import Synchronization
import Testing

/// Shutdown while a stream is open: an SSE reader between events would otherwise hold the
/// server for the whole grace period.
@Suite(.serialized)
struct LiveStreamShutdownTests {
    @Test func shutdownEndsAnOpenStreamAtOnceAndTellsItsProducerTheClientIsGone() async throws {
        let (streaming, resume, finished) = (Gate(), Gate(), Gate())
        let laterWrite = Mutex<Bool?>(nil)
        var router = Router()
        router.add(
            .get, "/events",
            .onLoop { _ in
                Response(
                    status: .ok,
                    body: .stream { writer in
                        guard await writer.write(Array("first".utf8)) else { return }
                        streaming.open()
                        await resume.wait()
                        let accepted = await writer.write(Array("late".utf8))
                        laterWrite.withLock { $0 = accepted }
                        finished.open()
                    })
            })
        // A grace far beyond the test's bound: only ending the stream lets run() return in time.
        let live = try LiveServer(router) { $0.shutdownGrace = .seconds(3600) }
        let client = try live.client()
        client.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n")
        await streaming.wait()

        live.server.shutdown()
        let stopped = await Self.finishes(within: .seconds(10)) { await live.waitUntilStopped() }
        resume.open()
        await finished.wait()

        #expect(stopped, "run() did not return while a stream was open")
        let response = try await client.readResponse()
        #expect(response.header("Transfer-Encoding") == "chunked")
        #expect(response.text == "first")
        #expect(laterWrite.withLock { $0 } == false)
    }

    /// Whether `body` finished before `limit` ran out. `body` is left running when it does not:
    /// a wait that ignores cancellation must not hang the test instead of failing it.
    static func finishes(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        let answered = Mutex(false)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer: @Sendable (Bool) -> Void = { finished in
                let first = answered.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: finished) }
            }
            Task {
                await body()
                answer(true)
            }
            Task {
                try? await Task.sleep(for: limit)
                answer(false)
            }
        }
    }
}
