import Foundation
import OpenAPIRuntime
import TestSupport
import Testing

/// gmemd through the client swift-openapi-generator makes from openapi.yaml, as a user of the
/// contract would make it: default configuration, URLSession transport. Every answer, its dates
/// and its problems included, must decode as generated.
@Suite(.timeLimit(.scaledMinutes(10)))
struct GeneratedClientTests {
    static let gmemd = SharedGmemd()
    static let mebibyte: Int64 = 1 << 20

    @Test func fileIsMadeAllocatedAndSealedAndARefusedGrowIsATyped409() async throws {
        let tenant = try await Client.newTenant(of: Self.gmemd.running())
        let file = try await tenant.createFile(body: .json(.init(name: "ram0", size: Self.mebibyte))).created
            .body.json
        let path = Operations.getFile.Input.Path(fid: file.id)

        let allocated = try await tenant.fallocateFile(
            path: .init(fid: file.id), body: .json(.init(mode: .allocate, offset: 0, length: Self.mebibyte))
        ).ok.body.json
        let seals = try await tenant.addSeals(
            path: .init(fid: file.id), body: .json(.init(seals: [.grow, .shrink]))
        )
        .ok.body.json.seals
        let grow = try await tenant.resizeFile(
            path: .init(fid: file.id), body: .json(.init(size: 2 * Self.mebibyte)))

        #expect(allocated.allocated_bytes == Self.mebibyte)
        #expect(Set(seals).isSuperset(of: [.grow, .shrink]))
        guard case .conflict(let refusal) = grow else {
            Issue.record("a grow under the grow seal answered \(grow), not a 409")
            return
        }
        let problem = try refusal.body.application_problem_plus_json
        #expect(problem.status == 409)
        #expect(problem.errno == "EPERM")
        let after = try await tenant.getFile(path: path).ok.body.json
        #expect(after.size == Self.mebibyte)
        #expect(abs(after.created_at.timeIntervalSinceNow) < 600, "\(after.created_at) is not about now")
    }

    @Test func eventsComeAsJSONToTheAcceptTheClientSendsByDefault() async throws {
        let tenant = try await Client.newTenant(of: Self.gmemd.running())
        let file = try await tenant.createFile(body: .json(.init(name: "ram0", size: Self.mebibyte))).created
            .body.json
        let consumer = try await tenant.attachConsumer(
            path: .init(fid: file.id), body: .json(.init(kind: .vfio))
        )
        .created.body.json
        _ = try await tenant.fallocateFile(
            path: .init(fid: file.id), body: .json(.init(mode: .punch_hole, offset: 0, length: 4096))
        ).ok

        let batch = try await tenant.getEvents(path: .init(cid: consumer.id)).ok.body.json

        #expect(batch.events.map(\._type) == [.invalidate])
        #expect(batch.events.first?.reason == .punch_hole)
        #expect(batch.next == 1)
        #expect(!batch.detached)
    }

    @Test func aClientThatPrefersTheEventStreamGetsIt() async throws {
        let tenant = try await Client.newTenant(of: Self.gmemd.running())
        let file = try await tenant.createFile(body: .json(.init(name: "ram0", size: Self.mebibyte))).created
            .body.json
        let consumer = try await tenant.attachConsumer(
            path: .init(fid: file.id), body: .json(.init(kind: .generic))
        )
        .created.body.json
        // Detached, the stream ends after its `detached` event, so the body can be read whole.
        _ = try await tenant.detachConsumer(path: .init(cid: consumer.id)).noContent

        let events = try await tenant.getEvents(
            path: .init(cid: consumer.id),
            headers: .init(accept: [.init(contentType: .text_event_hyphen_stream)])
        ).ok.body.text_event_hyphen_stream

        let text = try await String(collecting: events, upTo: 1 << 16)
        #expect(text.contains("event: detached\n"), "\(text)")
    }

    @Test func unknownFileIsATyped404() async throws {
        let tenant = try await Client.newTenant(of: Self.gmemd.running())
        let file = try await tenant.createFile(body: .json(.init(name: "gone", size: 4096))).created.body.json
        _ = try await tenant.deleteFile(path: .init(fid: file.id)).noContent

        let answer = try await tenant.getFile(path: .init(fid: file.id))

        guard case .notFound(let refusal) = answer else {
            Issue.record("a deleted file answered \(answer), not a 404")
            return
        }
        #expect(try refusal.body.application_problem_plus_json.status == 404)
    }
}
