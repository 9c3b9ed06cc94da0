import GuestMem
import TestSupport
import Testing

@testable import Server

/// JSONWriter writes the hot responses; these hold it to the bytes JSONEncoder (through
/// `JSONCoding.encode`, as every response was encoded before) makes of the same values, awkward
/// strings included: the wire must not change by a byte.
@Suite(.timeLimit(.scaledMinutes(10)))
struct JSONWriterTests {
    /// Quotes, backslashes, "/", every control character, DEL, non-ASCII, an emoji, U+2028.
    static let awkward: [String] = [
        "",
        "ram0",
        "say \"hi\" \\ back\\slash / slash </script>",
        String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }) + "\u{7F}",
        "é 中文 🧠 👩‍👩‍👧 \u{2028}\u{2029} \u{FEFF}",
    ]

    static let instants: [Timestamp] = [
        Timestamp(nanosecondsSinceEpoch: 0),
        Timestamp(nanosecondsSinceEpoch: 1_796_543_795_144_000_000),
        Timestamp(nanosecondsSinceEpoch: .max),
    ]

    @Test(arguments: awkward)
    func stringsAreEscapedAsJSONEncoderEscapesThem(_ text: String) {
        expectSameBytes(text)
        expectSameBytes([text, text])
        // Many times the writer's first capacity, so that it grows again and again.
        expectSameBytes(Array(repeating: text + "x", count: 700))
    }

    @Test(arguments: [Int64.min, -1, 0, 1, 9, 10, 4096, Int64.max])
    func integersAreWrittenAsJSONEncoderWritesThem(_ value: Int64) {
        expectSameBytes(value)
        expectSameBytes(value.magnitude)
        expectSameBytes([Int(value)])
    }

    @Test(arguments: [UInt64(9_999_999_999_999_999_999), 10_000_000_000_000_000_000, UInt64.max])
    func unsignedIntegersOfTwentyDigitsAreWrittenWhole(_ value: UInt64) {
        expectSameBytes(value)
    }

    @Test func booleansAndEmptyArraysAreWrittenAsJSONEncoderWritesThem() {
        expectSameBytes(true)
        expectSameBytes([false, true])
        expectSameBytes([String]())
        expectSameBytes([[Int64]]())
    }

    @Test(arguments: instants)
    func timesAreTheStringsWireTimeMakes(_ time: Timestamp) {
        expectSameBytes(WireDate(time))
        #expect(JSONWriter.encode(WireDate(time)) == Array("\"\(WireTime.string(time))\"".utf8))
    }

    @Test(arguments: awkward)
    func aFileAndAPageOfFilesAreTheBytesJSONEncoderMakes(_ name: String) throws {
        let world = try World()
        var view = FileView(try world.store.file(world.file, of: world.tenant))
        expectSameBytes(view)
        view.name = name
        view.vm = name
        view.size = .max
        view.seals = [name, "grow"]
        view.flags = FlagsBody()
        expectSameBytes(view)
        expectSameBytes(Page(items: [view, view], nextCursor: name))
        expectSameBytes(Page(items: [FileView](), nextCursor: nil))
        expectSameBytes(SealsView(seals: [name]))
        expectSameBytes(WriteView(written: 0, size: -1))
    }

    @Test func usageIsTheBytesJSONEncoderMakes() throws {
        let world = try World()
        let usage = UsageView(try world.store.usage(of: world.tenant))
        expectSameBytes(
            UsageReport(limits: LimitsBody(try world.store.limits(of: world.tenant)), usage: usage))
        var partial = LimitsBody(.default)
        partial.maxVms = nil
        partial.maxBytes = nil
        expectSameBytes(UsageReport(limits: partial, usage: usage))
    }

    @Test(arguments: awkward)
    func aConsumerIsTheBytesJSONEncoderMakes(_ label: String) throws {
        let world = try World()
        var view = ConsumerView(try world.store.consumer(world.consumer, of: world.tenant))
        expectSameBytes(view)
        view.label = label
        view.length = 4096
        view.detachedAt = WireDate(Self.instants[1])
        view.fd = DescriptorView(access: .readOnly, handedOut: 3)
        expectSameBytes(view)
        expectSameBytes(Items(items: [view, view]))
    }

    @Test(arguments: awkward)
    func eventsAreTheBytesJSONEncoderMakes(_ reason: String) async throws {
        let world = try World()
        _ = try world.store.fallocate(
            world.file, of: world.tenant, mode: .allocate(keepSize: false),
            range: try ByteRange(offset: 0, length: 4096))
        try world.store.detach(world.consumer, of: world.tenant)
        let batch = try await world.store.events(of: world.consumer, of: world.tenant, after: 0)
        #expect(batch.events.count == 2)
        expectSameBytes(EventBatchView(batch))

        var every = EventView(batch.events[0])
        (every.reason, every.size, every.previousSize) = (reason, 1, 0)
        (every.seals, every.lostFrom, every.lostTo) = ([reason], 1, .max)
        var none = every
        (none.offset, none.length, none.reason, none.size, none.previousSize) = (nil, nil, nil, nil, nil)
        (none.seals, none.lostFrom, none.lostTo) = (nil, nil, nil)
        expectSameBytes(every)
        expectSameBytes(none)
    }

    @Test(arguments: awkward)
    func problemsAreTheBytesJSONEncoderMakes(_ detail: String) {
        expectSameBytes(Problem(.busy, detail: detail, errno: "EBUSY"))
        expectSameBytes(Problem(.badRequest, detail: detail))
        guard case .bytes(let body) = Problem(.busy, detail: detail).response.body else {
            Issue.record("a problem's body is not its bytes")
            return
        }
        #expect(body == JSONCoding.encode(Problem(.busy, detail: detail)))
    }

    @Test func healthIsTheBytesJSONEncoderMakes() throws {
        let store = MemoryStore()
        var report = HealthReport(
            store.capabilities, features: store.features, memory: try store.memoryHeadroom())
        expectSameBytes(report)
        report.memory = nil
        report.kvm.reason = Self.awkward[2]
        report.kvm.errno = "ENODEV"
        report.kvm.guestMemfdFlags = ["mmap", "init_shared"]
        report.hugePages.disabledByOperator = true
        report.hugePages.reason = Self.awkward[3]
        report.restart = HealthReport.RestartReport(filesRestored: 12, filesLost: 3)
        expectSameBytes(report)
    }

    private func expectSameBytes(
        _ value: some JSONWritable, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let written = JSONWriter.encode(value)
        let encoded = JSONCoding.encode(value)
        #expect(
            written == encoded,
            "writer: \(String(decoding: written, as: UTF8.self))\nencoder: \(String(decoding: encoded, as: UTF8.self))",
            sourceLocation: sourceLocation)
    }
}

/// A tenant with a 16 KiB memfd and a consumer on it, in a store of its own.
private struct World {
    let store = MemoryStore()
    let tenant = TenantID.random()
    let file: FileID
    let consumer: ConsumerID

    init() throws {
        try store.addTenant(tenant)
        file = try store.createFile(for: tenant, name: "ram0", size: 16384).id
        consumer = try store.attach(ConsumerRequest(kind: .vfio, label: "dma"), to: file, of: tenant).id
    }
}
