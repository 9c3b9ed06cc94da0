import Foundation
import Locking
import TestSupport
import Testing

/// Every kind of change to one file at once, from clients that do not wait for each other:
/// gmemd answers each (never a 5xx), the file ends as its own figures agree, and once it is
/// deleted nothing of it is left: no usage, and every consumer's last event is `detached`.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FileRaceTests {
    static let page: Int64 = 4096
    static let pages = 16

    /// What the workers sent and were answered.
    final class Answers: Sendable {
        private let state = PthreadMutex<(statuses: [String], consumers: [String])>(([], []))

        func record(_ what: String, _ reply: HTTPReply) {
            let consumer = what == "attach" && reply.status == 201 ? reply.json?["id"] as? String : nil
            state.withLock { state in
                state.statuses.append("\(what) \(reply.status)")
                if let consumer { state.consumers.append(consumer) }
            }
        }

        var serverErrors: [String] {
            state.withLock { $0.statuses.filter { $0.hasSuffix(" 0") || $0.contains(" 5") } }
        }
        var consumers: [String] { state.withLock { $0.consumers } }
        var count: Int { state.withLock { $0.statuses.count } }
    }

    /// One change of `file` picked by `random`: resize, write, allocate, punch, seal or attach.
    static func change(_ file: RemoteFile, of tenant: Tenant, _ random: inout SplitMix) async throws
        -> (String, HTTPReply)
    {
        let offset = Int64(random.below(pages)) * page
        switch random.below(6) {
        case 0: return ("resize", try await tenant.resize(file, to: Int64(1 + random.below(pages)) * page))
        case 1:
            return (
                "write",
                try await tenant.client.put(
                    file.path + "/content?offset=\(offset)", bytes: Data(repeating: 0x5a, count: 100))
            )
        case 2:
            return ("allocate", try await tenant.fallocate(file, "allocate", offset: offset, length: page))
        case 3: return ("punch", try await tenant.fallocate(file, "punch_hole", offset: offset, length: page))
        case 4:
            return ("seal", try await tenant.client.post(file.path + "/seals", json: ["seals": ["shrink"]]))
        default: return ("attach", try await tenant.attachReply(file))
        }
    }

    /// `workers` clients sending `steps` changes each; the one given `deleteAt` deletes the file
    /// instead of its change at that step.
    static func storm(
        _ file: RemoteFile, of tenant: Tenant, seed: UInt64, workers: Int = 4, steps: Int = 20,
        deleteAt: Int? = nil, _ answers: Answers
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var random = SplitMix(seed: seed &+ UInt64(worker) &* 0x9E37_79B9_7F4A_7C15)
                    for step in 0..<steps {
                        if worker == 0, step == deleteAt {
                            answers.record("delete", try await tenant.client.delete(file.path))
                            continue
                        }
                        let (what, reply) = try await change(file, of: tenant, &random)
                        answers.record(what, reply)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func everyChangeAtOnceLeavesAFileItsOwnFiguresAgreeOn() async throws {
        let tenant = try await Gmemd.api.newTenant(limits: ["max_consumers": 40])
        let file = try await tenant.createFile(size: Int64(Self.pages) * Self.page)
        let answers = Answers()

        try await Self.storm(file, of: tenant, seed: 1, answers)

        #expect(answers.serverErrors.isEmpty, "\(answers.serverErrors)")
        let after = try await tenant.file(file.id)
        let content = try await tenant.content(of: after)
        let usage = try await tenant.usage()
        #expect(Int64(content.count) == after.size)
        #expect(usage.allocatedBytes == after.allocatedBytes)
        #expect(usage.files == 1)
        #expect(usage.consumers == answers.consumers.count)
    }

    @Test func aDeleteAmidEveryOtherChangeLeavesNothingOfTheFile() async throws {
        let tenant = try await Gmemd.api.newTenant(limits: ["max_consumers": 40])
        let file = try await tenant.createFile(size: Int64(Self.pages) * Self.page)
        let answers = Answers()
        try await Self.storm(file, of: tenant, seed: 2, steps: 8, answers)

        try await Self.storm(file, of: tenant, seed: 3, steps: 16, deleteAt: 4, answers)

        #expect(answers.serverErrors.isEmpty, "\(answers.serverErrors)")
        #expect(try await tenant.client.get(file.path).status == 404)
        #expect(try await tenant.usage() == Usage(allocatedBytes: 0, lockedBytes: 0, files: 0, consumers: 0))
        #expect(!answers.consumers.isEmpty, "no consumer was attached: the test proves less")
        for id in answers.consumers {
            let consumer = try await tenant.consumer(id)
            #expect(consumer.state == "detached", "\(id)")
            let events = try await tenant.events(consumer).events
            #expect(events.last?.type == "detached", "\(id): \(events.map(\.type))")
        }
    }
}
