import Foundation
import Glibc
import TestSupport
import Testing

/// A reader that comes back after the backlog moved on, and a stream open when gmemd is told to
/// stop, on instances of their own.
@Suite(.timeLimit(.scaledMinutes(10)))
struct EventResumeTests {
    static let page: Int64 = 4096

    /// The events the backlog let go are one `overflow` naming them, whichever way they are
    /// read: the stream resumed from Last-Event-ID gives what `?after=` gives, then gapless ids.
    @Test func lastEventIDOlderThanTheBacklogGetsAnOverflowThenGaplessIDsAsJSONDoes() async throws {
        try await Gmemd.withInstance(["--event-backlog", "8"]) { gmemd in
            let tenant = try await Admin(gmemd).createTenant()
            let file = try await tenant.createFile(size: Self.page)
            let consumer = try await tenant.attach(file)
            for _ in 0..<20 {
                _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page)
            }
            try await tenant.detach(consumer)

            let stream = try CurlEventStream.open(
                gmemd.url(consumer.path + "/events"), token: tenant.client.token!,
                headers: ["Last-Event-ID": "2"])
            let streamed = try await stream.reader.rest().filter { $0.event != nil }.map { try $0.decoded() }
            let polled = try await tenant.events(consumer, after: 2).events

            #expect(streamed == polled)
            let overflow = try #require(streamed.first)
            #expect(overflow.type == "overflow")
            #expect(overflow.lostFrom == 3 && overflow.lostTo == overflow.seq)
            #expect(streamed.map(\.seq) == Array(overflow.seq...(overflow.seq + UInt64(streamed.count) - 1)))
            #expect(streamed.last?.type == "detached")
            #expect(streamed.count == 9)
        }
    }

    /// SIGTERM ends an open stream with the chunked body's last chunk, so its reader sees a clean
    /// end (curl exits 0, not 18 for a transfer cut short), and gmemd exits 0 without waiting
    /// out a grace longer than the wait for it.
    @Test func sigtermEndsAnOpenStreamCleanlyAndGmemdExitsZero() async throws {
        let gmemd = try await Gmemd.start(["--shutdown-grace", "600"])
        let tenant = try await Admin(gmemd).createTenant()
        let file = try await tenant.createFile(size: Self.page)
        let consumer = try await tenant.attach(file)
        let stream = try CurlEventStream.open(
            gmemd.url(consumer.path + "/events"), token: tenant.client.token!)
        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page)
        #expect(try await stream.reader.nextEvent()?.event == "invalidate", "the stream is live")

        gmemd.send(SIGTERM)

        let rest = try await stream.reader.rest(within: .seconds(120))
        #expect(rest.allSatisfy { $0.event == nil }, "no event after the signal: \(rest)")
        #expect(
            try await stream.process.termination(within: .seconds(30))
                == Termination(exitedNormally: true, status: 0))
        let termination = try await gmemd.termination(within: .seconds(120))
        #expect(termination == Termination(exitedNormally: true, status: 0), "log:\n\(gmemd.log.contents)")
        try? await gmemd.stop()
    }
}
