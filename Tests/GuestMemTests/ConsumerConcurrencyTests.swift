import GuestMem
import Synchronization
import SystemPackage
import TestSupport
import Testing

/// Many tasks attach, detach, allocate, punch, pin and unpin over a few files at once, while
/// readers long-poll. Afterwards every consumer's sequence must be gapless, every punch that
/// overlapped it while it was attached must have given it exactly one invalidate, no live pin may
/// cover a hole, and the tenant's usage must equal the kernel's figures.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConsumerConcurrencyTests {
    static let page = Fixture.page
    static let pages: Int64 = 64

    @Test func concurrentConsumersPinsAndPunchesKeepEveryInvariant() async throws {
        let fixture = try Fixture(backlog: 1 << 20)
        let files = try (0..<3).map { _ in try fixture.create(size: Self.pages * Self.page).id }
        let log = StoreStressLog()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask { try await Self.work(worker, fixture, files, log) }
            }
            for reader in 0..<2 {
                group.addTask { try await Self.read(reader, fixture, log) }
            }
            try await group.waitForAll()
        }

        #expect(
            log.windows.count >= 50 && log.punches.count >= 1000, "the run did too little to prove anything")
        try await Self.checkSequences(fixture, log)
        try Self.checkPinsCoverNoHole(fixture, files, log)
        try Self.checkAccounting(fixture, files, log)
    }

    /// One worker's 1,000 random steps, from a seed of its own so that a failure replays.
    static func work(_ worker: Int, _ fixture: Fixture, _ files: [FileID], _ log: StoreStressLog) async throws
    {
        defer { log.finish() }
        var random = SplitMix(seed: UInt64(worker + 1) &* 0x9E37_79B9_7F4A_7C15)
        var mine: [(consumer: ConsumerSnapshot, pins: [PinSnapshot])] = []
        for _ in 0..<1000 {
            let file = files[random.below(files.count)]
            let span = random.range(in: Self.pages)
            var step = random.below(10)
            if step < 2, mine.count >= 4 { step = 2 }
            switch step {
            case 0, 1:
                let whole = random.below(3) == 0
                let start = log.tick()
                // An exclusive consumer, or one beside the exclusive one asked for, is EBUSY; six
                // workers keeping up to four each go past the tenant's max_consumers (EDQUOT).
                let attached = try refusable([
                    (.refused, .resourceBusy), (.quotaExceeded, .diskQuotaExceeded),
                ]) {
                    try fixture.attach(
                        file, offset: whole ? 0 : span.offset, length: whole ? nil : span.length,
                        exclusive: random.below(8) == 0)
                }
                if let attached {
                    log.attached(attached, from: start, to: log.tick())
                    mine.append((attached, []))
                }
            case 2:
                guard !mine.isEmpty else { continue }
                let gone = mine.remove(at: random.below(mine.count))
                let start = log.tick()
                try fixture.store.detach(gone.consumer.id, of: fixture.tenant)
                let end = log.tick()
                // Read now: the store keeps only its tenant's most recent detached consumers.
                let events = try await fixture.events(gone.consumer.id)
                log.detached(gone.consumer.id, from: start, to: end, events: events)
            case 3, 4:
                try fixture.allocate(file, span.offset, span.length, keepSize: true)
            case 5, 6:
                let start = log.tick()
                try fixture.punch(file, span.offset, span.length)
                log.punched(file, span.offset..<span.end, from: start, to: log.tick())
            case 7, 8:
                guard !mine.isEmpty else { continue }
                let index = random.below(mine.count)
                let consumer = mine[index].consumer
                let within = consumer.range.clamped(to: range(0, Self.pages * Self.page))!
                let pages = within.length / Self.page
                let first = Int64(random.below(Int(pages)))
                let count = 1 + Int64(random.below(Int(min(8, pages - first))))
                let asked = range(within.offset + first * Self.page, count * Self.page)
                // Without allocate, a hole under the range (a punch got there first) is ENOENT.
                if let pin = try refusable(
                    [(.refused, .noSuchFileOrDirectory)],
                    {
                        try fixture.pin(
                            consumer.id, asked.offset, asked.length, allocate: random.below(2) == 0)
                    })
                {
                    mine[index].pins.append(pin)
                }
            default:
                guard let index = mine.indices.first(where: { !mine[$0].pins.isEmpty }) else { continue }
                let pin = mine[index].pins.removeFirst()
                do {
                    try fixture.unpin(pin)
                } catch let error as GuestMemError where error.kind == .gone {
                    // A punch revoked it meanwhile: that is the rule, not a failure.
                }
            }
            await Task.yield()
        }
    }

    /// `step`'s result, or nil when it was refused as one of `expected` (kind and errno), the
    /// refusals the state it races with may give it. Any other error fails the run.
    static func refusable<R>(_ expected: [(GuestMemError.Kind, Errno)], _ step: () throws -> R) throws -> R? {
        do {
            return try step()
        } catch let error as GuestMemError
            where expected.contains(where: { $0 == error.kind && $1 == error.errno })
        {
            return nil
        }
    }

    /// Long-polls whatever consumers exist now, checking that each read continues the last one.
    static func read(_ reader: Int, _ fixture: Fixture, _ log: StoreStressLog) async throws {
        var random = SplitMix(seed: 0xDEAD_BEEF &+ UInt64(reader))
        var positions: [ConsumerID: UInt64] = [:]
        while !log.isDone(workers: 6) {
            guard let consumer = log.someConsumer(random.below(1 << 20))?.id else {
                await Task.yield()
                continue
            }
            let after = positions[consumer] ?? 0
            // A forgotten consumer answers at once: yield, or two readers spinning here hold
            // both threads of the cooperative pool and the workers never run.
            guard let batch = try await poll(fixture, consumer, after: after) else {
                await Task.yield()
                continue
            }
            let expected = Array((after + 1)..<(after + 1 + UInt64(batch.events.count)))
            #expect(batch.events.map(\.seq) == expected)
            positions[consumer] = batch.next
        }
    }

    /// One short long-poll; nil for a consumer detached long enough ago to be forgotten.
    static func poll(_ fixture: Fixture, _ consumer: ConsumerID, after: UInt64) async throws -> EventBatch? {
        do {
            return try await fixture.store.events(
                of: consumer, of: fixture.tenant, after: after, wait: .milliseconds(5))
        } catch .notFound {
            return nil
        }
    }

    static func checkSequences(_ fixture: Fixture, _ log: StoreStressLog) async throws {
        for window in log.windows {
            var events = window.events ?? []
            if window.events == nil { events = try await fixture.events(window.consumer.id) }
            let gapless = Array(1..<(1 + UInt64(events.count)))
            #expect(events.map(\.seq) == gapless, "\(window.consumer.id)")
            #expect(!events.contains { if case .overflow = $0.kind { true } else { false } })
            if window.detachEnd != nil { #expect(events.last?.kind == .detached(.detach)) }
            var seen: [Range<Int64>: Int] = [:]
            for case .invalidate(let part, .punchHole) in events.map(\.kind) {
                seen[part.offset..<part.end, default: 0] += 1
            }
            let mismatches = log.invalidateMismatches(in: window, seen: seen)
            #expect(mismatches.isEmpty, "\(window.consumer.id): \(mismatches)")
        }
    }

    /// Punches everything no live pin covers: no pin may be revoked by it, and what stays
    /// allocated (st_blocks) must be exactly the pinned pages, so none of them was a hole.
    static func checkPinsCoverNoHole(_ fixture: Fixture, _ files: [FileID], _ log: StoreStressLog) throws {
        for file in files {
            let consumers = try fixture.store.consumers(of: file, of: fixture.tenant)
            let pins = try consumers.flatMap { try fixture.store.pins(of: $0.id, of: fixture.tenant) }.filter
            { $0.state == .live }
            var pinned = Set<Int64>()
            for pin in pins {
                for page in 0..<(pin.range.length / Self.page) {
                    pinned.insert(pin.range.offset / Self.page + page)
                }
            }
            for page in 0..<Self.pages where !pinned.contains(page) {
                try fixture.punch(file, page * Self.page, Self.page)
            }
            for pin in pins {
                #expect(try fixture.store.pin(pin.id, of: pin.consumerID, of: fixture.tenant).state == .live)
            }
            #expect(try fixture.kernelStatus(file).allocatedBytes == Int64(pinned.count) * Self.page)
        }
    }

    static func checkAccounting(_ fixture: Fixture, _ files: [FileID], _ log: StoreStressLog) throws {
        let usage = try fixture.usage()
        #expect(
            usage.allocatedBytes
                == (try files.reduce(0) { $0 + (try fixture.kernelStatus($1).allocatedBytes) }))
        let attached = try files.flatMap { try fixture.store.consumers(of: $0, of: fixture.tenant) }
        #expect(usage.consumers == attached.count)
        let live = try attached.flatMap { try fixture.store.pins(of: $0.id, of: fixture.tenant) }.filter {
            $0.state == .live
        }
        #expect(usage.lockedBytes == live.reduce(0) { $0 + $1.range.length })
    }
}

/// The stress log over GuestMem's own types.
typealias StoreStressLog = StressLog<ConsumerSnapshot, ConsumerEvent>

extension ConsumerSnapshot: StressConsumer {
    var watchedFile: FileID { fileID }
    var watchedBytes: Range<Int64> { range.offset..<range.end }
}

extension SplitMix {
    /// Whole pages inside `pages` pages: 1 to 16 of them.
    mutating func range(in pages: Int64) -> ByteRange {
        let span = pageSpan(in: Int(pages), page: Fixture.page)
        return try! ByteRange(offset: span.offset, length: span.length)
    }
}
