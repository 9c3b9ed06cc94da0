import GuestMem

/// Shorthands for the consumer tests.
extension Fixture {
    static let page: Int64 = 4096

    /// A store keeping `backlog` events per consumer, with one tenant of roomy limits.
    init(backlog: Int) throws {
        store = MemoryStore(eventBacklog: backlog)
        tenant = .random()
        try store.addTenant(tenant, limits: Fixture.roomy)
    }

    @discardableResult
    func attach(
        _ file: FileID, _ kind: ConsumerKind = .generic, offset: Int64 = 0, length: Int64? = nil,
        exclusive: Bool = false, label: String? = nil
    ) throws -> ConsumerSnapshot {
        try store.attach(
            ConsumerRequest(kind: kind, label: label, offset: offset, length: length, isExclusive: exclusive),
            to: file, of: tenant)
    }

    /// Every event kept after `seq`, without waiting.
    func events(_ consumer: ConsumerID, after seq: UInt64 = 0) async throws -> [ConsumerEvent] {
        try await store.events(of: consumer, of: tenant, after: seq).events
    }

    /// The kinds of those events, for comparing with a table.
    func kinds(_ consumer: ConsumerID, after seq: UInt64 = 0) async throws -> [ConsumerEvent.Kind] {
        try await events(consumer, after: seq).map(\.kind)
    }

    @discardableResult
    func pin(_ consumer: ConsumerID, _ offset: Int64, _ length: Int64, allocate: Bool = false) throws
        -> PinSnapshot
    {
        try store.pin(
            ByteRange(offset: offset, length: length), allocate: allocate, for: consumer, of: tenant)
    }

    func unpin(_ pin: PinSnapshot) throws {
        try store.unpin(pin.id, of: pin.consumerID, of: tenant)
    }

    func resize(_ id: FileID, to size: Int64) throws {
        _ = try store.resize(id, of: tenant, to: size)
    }

    func write(_ id: FileID, at offset: Int64, count: Int) throws {
        _ = try store.write(id, of: tenant, offset: offset, bytes: [UInt8](repeating: 0x5a, count: count))
    }

    func dirty(_ id: FileID, clear: Bool = false) throws -> [ByteRange] {
        try store.dirtyLog(of: id, of: tenant, clear: clear).ranges
    }
}

/// `ByteRange` literals for tables; a bad literal is a test bug.
func range(_ offset: Int64, _ length: Int64) -> ByteRange {
    try! ByteRange(offset: offset, length: length)
}
