import Foundation
import TestSupport
import Testing

/// `--event-backlog`: a consumer that never reads gets one overflow naming what it lost, and
/// gmemd's memory does not grow with the events nobody reads.
@Suite(.timeLimit(.minutes(5)))
struct OverflowTests {
    static let page: Int64 = 4096

    @Test func consumerThatNeverReadsGetsOneOverflowThenTheNewestEvents() async throws {
        try await Gmemd.withInstance(["--event-backlog", "16"]) { gmemd in
            let tenant = try await Admin(gmemd).createTenant()
            let file = try await tenant.createFile(size: Self.page)
            let consumer = try await tenant.attach(file)

            let load = try await Self.punches(gmemd, tenant, file, connections: 2, each: 50)

            #expect(load.failures.isEmpty, "\(load.failures)")
            let page = try await tenant.events(consumer)
            #expect(page.events.count == 17)
            #expect(page.events.first?.type == "overflow")
            #expect(page.events.first?.lostFrom == 1 && page.events.first?.lostTo == 84)
            #expect(page.events.first?.seq == 84)
            #expect(page.events.dropFirst().map(\.seq) == Array(85...100))
            #expect(try await tenant.events(consumer, after: page.next).events.isEmpty)
        }
    }

    @Test func unreadEventsOfManyConsumersDoNotGrowGmemdsMemory() async throws {
        try await Gmemd.withInstance(["--event-backlog", "8"]) { gmemd in
            let tenant = try await Admin(gmemd).createTenant(limits: ["max_consumers": 200])
            let file = try await tenant.createFile(size: Self.page)
            for _ in 0..<200 { _ = try await tenant.attach(file) }
            // A first round fills every backlog and warms the allocator and the connections' buffers.
            _ = try await Self.punches(gmemd, tenant, file, connections: 4, each: 100)
            let before = try Self.residentBytes(of: gmemd)

            // 4,000 punches: 800,000 events, about 50 MB if they were all kept.
            let load = try await Self.punches(gmemd, tenant, file, connections: 4, each: 1000)

            #expect(load.failures.isEmpty, "\(load.failures)")
            let grown = try Self.residentBytes(of: gmemd) - before
            #expect(grown < 16 << 20, "gmemd grew by \(grown) bytes")
            let consumers = try await tenant.client.get(file.path + "/consumers").decoded(
                ItemList<RemoteConsumer>.self)
            #expect(consumers.items.allSatisfy { $0.lastSeq == 4400 })
            let page = try await tenant.events(consumers.items[0])
            #expect(page.events.count == 9 && page.events.first?.type == "overflow")
        }
    }

    /// `each` punches of the file's first page on each of `connections` keep-alive connections.
    static func punches(_ gmemd: Gmemd, _ tenant: Tenant, _ file: RemoteFile, connections: Int, each: Int)
        async throws
        -> KeepAliveLoad.Outcome
    {
        let body = #"{"mode":"punch_hole","offset":0,"length":4096}"#
        let request = Requests.post(
            file.path + "/fallocate",
            fields: [
                "Authorization: Bearer \(tenant.client.token!)", "Content-Type: application/json",
                "Content-Length: \(body.utf8.count)",
            ], body: body)
        return try await KeepAliveLoad(connections: connections, requestsEach: each, request: request)
            .run(port: gmemd.port) { $0.status == 200 }
    }

    /// VmRSS of the gmemd process serving `gmemd`, found by its state directory in /proc.
    static func residentBytes(of gmemd: Gmemd) throws -> Int64 {
        let processes = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }
        for pid in processes {
            guard let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
                String(decoding: command, as: UTF8.self).contains(gmemd.stateDirectory.path),
                let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                let kibibytes = Int64(line.split(separator: " ")[1])
            else { continue }
            return kibibytes * 1024
        }
        throw EndToEndError.commandFailed("no process of gmemd in /proc for \(gmemd.stateDirectory.path)")
    }
}
