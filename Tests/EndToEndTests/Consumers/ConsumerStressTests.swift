import Foundation
import TestSupport
import Testing

/// Several clients at once attach and detach, allocate and punch, pin and unpin over random
/// ranges of a few files (150 steps each, however long they take: a deadline would make the
/// amount of work, and so the test's verdict, depend on the machine's load), while others long-poll and one event
/// stream reads along. Then: every consumer's sequence is gapless; every punch that overlapped
/// a consumer while it was attached gave it exactly one invalidate; no live pin covers a hole;
/// and the tenant's usage equals the kernel's figures.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerStressTests {
    static let page: Int64 = 4096
    static let pages = 64
    static let workers = 6

    @Test func concurrentClientsKeepEveryConsumerInvariant() async throws {
        try await Gmemd.withInstance(["--event-backlog", "100000", "--sse-heartbeat", "0.2"]) { gmemd in
            let tenant = try await Admin(gmemd).createTenant(limits: ["max_consumers": 64])
            let files = [
                try await tenant.createFile(size: Int64(Self.pages) * Self.page),
                try await tenant.createFile(size: Int64(Self.pages) * Self.page),
                try await tenant.createFile(size: Int64(Self.pages) * Self.page),
            ]
            let watched = try await tenant.attach(files[0])
            let stream = try await URLSessionEventStream.open(
                gmemd, watched.path + "/events", token: tenant.client.token)
            let log = RemoteStressLog()

            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<Self.workers {
                    group.addTask { try await Self.work(worker, tenant, files, log) }
                }
                for reader in 0..<2 { group.addTask { try await Self.read(reader, tenant, log) } }
                try await group.waitForAll()
            }
            try await tenant.detach(watched)

            #expect(
                log.windows.count >= 20 && log.punches.count >= 100,
                "the run did too little to prove anything")
            let polled = try await tenant.events(watched).events
            let streamed = try await stream.reader.rest().filter { $0.event != nil }.map { try $0.decoded() }
            #expect(streamed == polled, "the event stream and the long-poll disagree")
            try await Self.checkSequences(tenant, log)
            try await Self.checkPinsCoverNoHole(tenant, files)
            try await Self.checkAccounting(tenant, files)
        }
    }

    /// One client's 150 random steps, from a seed of its own.
    static func work(_ worker: Int, _ tenant: Tenant, _ files: [RemoteFile], _ log: RemoteStressLog)
        async throws
    {
        defer { log.finish() }
        var random = SplitMix(seed: UInt64(worker + 1) &* 0x2545_F491_4F6C_DD1D)
        var mine: [(consumer: RemoteConsumer, pins: [RemotePin])] = []
        for _ in 0..<150 {
            let file = files[random.below(files.count)]
            let span = random.pageSpan(in: Self.pages, page: Self.page)
            var step = random.below(10)
            if step < 2, mine.count >= 4 { step = 2 }
            switch step {
            case 0, 1:
                let whole = random.below(3) == 0
                let start = log.tick()
                let reply = try await tenant.attachReply(
                    file, offset: whole ? nil : span.offset, length: whole ? nil : span.length,
                    exclusive: random.below(8) == 0)
                let end = log.tick()
                guard reply.status == 201 else {
                    #expect(reply.status == 409, "\(reply.text)")
                    continue
                }
                let consumer = try reply.decoded(RemoteConsumer.self)
                log.attached(consumer, from: start, to: end)
                mine.append((consumer, []))
            case 2:
                guard !mine.isEmpty else { continue }
                let gone = mine.remove(at: random.below(mine.count)).consumer
                let start = log.tick()
                try await tenant.detach(gone)
                let end = log.tick()
                log.detached(gone.id, from: start, to: end, events: try await tenant.events(gone).events)
            case 3, 4:
                _ = try await tenant.fallocate(
                    file, "allocate", offset: span.offset, length: span.length, keepSize: true
                )
                .expecting(200, "allocate")
            case 5, 6:
                let start = log.tick()
                _ = try await tenant.fallocate(file, "punch_hole", offset: span.offset, length: span.length)
                    .expecting(200, "punch")
                log.punched(file.id, span.offset..<(span.offset + span.length), from: start, to: log.tick())
            case 7, 8:
                guard !mine.isEmpty else { continue }
                let index = random.below(mine.count)
                let consumer = mine[index].consumer
                let pages = Int((consumer.length ?? Int64(Self.pages) * Self.page) / Self.page)
                let first = random.below(pages)
                let count = 1 + random.below(min(8, pages - first))
                let reply = try await tenant.pinReply(
                    consumer, offset: consumer.offset + Int64(first) * Self.page,
                    length: Int64(count) * Self.page,
                    allocate: random.below(2) == 0)
                if reply.status == 201 {
                    mine[index].pins.append(try reply.decoded(RemotePin.self))
                } else {
                    #expect(reply.problem?.errno == "ENOENT", "\(reply.text)")
                }
            default:
                guard let index = mine.indices.first(where: { !mine[$0].pins.isEmpty }) else { continue }
                let pin = mine[index].pins.removeFirst()
                let status = try await tenant.client.delete(pin.path).status
                // 410: a punch revoked it meanwhile, as the rule says.
                #expect(status == 204 || status == 410)
            }
        }
    }

    /// Long-polls consumers as they come, checking that each read continues the one before.
    static func read(_ reader: Int, _ tenant: Tenant, _ log: RemoteStressLog) async throws {
        var random = SplitMix(seed: 0xC0FFEE &+ UInt64(reader))
        var positions: [String: UInt64] = [:]
        while !log.isDone(workers: Self.workers) {
            guard let consumer = log.someConsumer(random.below(1 << 20)) else {
                await Task.yield()
                continue
            }
            let after = positions[consumer.id] ?? 0
            let reply = try await tenant.client.get(consumer.path + "/events?after=\(after)&wait=0.05")
            // 404: detached long enough ago to be forgotten.
            guard reply.status != 404 else { continue }
            let page = try reply.expecting(200, "poll").decoded(EventPage.self)
            #expect(page.events.map(\.seq) == Array((after + 1)..<(after + 1 + UInt64(page.events.count))))
            positions[consumer.id] = page.next
        }
    }

    static func checkSequences(_ tenant: Tenant, _ log: RemoteStressLog) async throws {
        for window in log.windows {
            var events = window.events ?? []
            if window.events == nil { events = try await tenant.events(window.consumer).events }
            let gapless = Array(1..<(1 + UInt64(events.count)))
            #expect(events.map(\.seq) == gapless, "\(window.consumer.id)")
            #expect(!events.contains { $0.type == "overflow" })
            if window.detachEnd != nil { #expect(events.last?.shape == "detached detach") }
            var seen: [Range<Int64>: Int] = [:]
            for event in events where event.reason == "punch_hole" {
                seen[event.offset!..<(event.offset! + event.length!), default: 0] += 1
            }
            let mismatches = log.invalidateMismatches(in: window, seen: seen)
            #expect(mismatches.isEmpty, "\(window.consumer.id): \(mismatches)")
        }
    }

    /// Punches every page no live pin covers. No pin may be revoked by that, and the file's
    /// allocated bytes (st_blocks) must then be exactly the pinned pages: none of them a hole.
    static func checkPinsCoverNoHole(_ tenant: Tenant, _ files: [RemoteFile]) async throws {
        for file in files {
            let consumers = try await tenant.client.get(file.path + "/consumers").decoded(
                ItemList<RemoteConsumer>.self)
            var pins: [RemotePin] = []
            for consumer in consumers.items {
                pins += try await tenant.client.get(consumer.path + "/pins").decoded(ItemList<RemotePin>.self)
                    .items
                    .filter { $0.state == "live" }
            }
            var pinned = Set<Int64>()
            for pin in pins {
                for page in 0..<(pin.length / Self.page) { pinned.insert(pin.offset / Self.page + page) }
            }
            for page in 0..<Int64(Self.pages) where !pinned.contains(page) {
                _ = try await tenant.fallocate(
                    file, "punch_hole", offset: page * Self.page, length: Self.page
                )
                .expecting(200, "punch around the pins")
            }
            for pin in pins { #expect(try await tenant.pin(pin).state == "live") }
            #expect(try await tenant.file(file.id).allocatedBytes == Int64(pinned.count) * Self.page)
        }
    }

    static func checkAccounting(_ tenant: Tenant, _ files: [RemoteFile]) async throws {
        var allocated: Int64 = 0
        var attached = 0
        var locked: Int64 = 0
        for file in files {
            allocated += try await tenant.file(file.id).allocatedBytes
            let consumers = try await tenant.client.get(file.path + "/consumers").decoded(
                ItemList<RemoteConsumer>.self)
            attached += consumers.items.count
            for consumer in consumers.items {
                let pins = try await tenant.client.get(consumer.path + "/pins").decoded(
                    ItemList<RemotePin>.self)
                locked += pins.items.filter { $0.state == "live" }.reduce(0) { $0 + $1.length }
            }
        }
        let usage = try await tenant.usage()
        #expect(usage.allocatedBytes == allocated)
        #expect(usage.consumers == attached)
        #expect(usage.lockedBytes == locked)
    }
}
