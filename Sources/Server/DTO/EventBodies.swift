import GuestMem

/// One event on the wire, in a JSON batch and as an SSE `data:` line alike. Which fields are
/// present depends on `type` (openapi.yaml, schema Event).
struct EventView: Encodable {
    var seq: UInt64
    var type: String
    var offset: Int64?
    var length: Int64?
    var reason: String?
    var size: Int64?
    var previousSize: Int64?
    var seals: [String]?
    var lostFrom: UInt64?
    var lostTo: UInt64?
    var at: WireDate

    init(_ event: ConsumerEvent) {
        seq = event.seq
        at = WireDate(event.at)
        switch event.kind {
        case .allocate(let range):
            (type, offset, length) = ("allocate", range.offset, range.length)
        case .invalidate(let range, let why):
            (type, offset, length) = ("invalidate", range.offset, range.length)
            reason =
                switch why {
                case .punchHole: "punch_hole"
                case .shrink: "shrink"
                case .delete: "delete"
                }
        case .resize(let from, let to):
            (type, offset, length) = ("resize", min(from, to), abs(to - from))
            (previousSize, size) = (from, to)
        case .seal(let set):
            (type, seals) = ("seal", SealNames.names(set))
        case .detached(let why):
            type = "detached"
            reason =
                switch why {
                case .detach: "detach"
                case .delete: "delete"
                case .restart: "restart"
                }
        case .overflow(let lost):
            (type, lostFrom, lostTo) = ("overflow", lost.lowerBound, lost.upperBound)
        }
    }
}

/// `GET /v1/consumers/{cid}/events` as JSON.
struct EventBatchView: Encodable {
    var events: [EventView]
    var next: UInt64
    var detached: Bool

    init(_ batch: EventBatch) {
        events = batch.events.map(EventView.init)
        next = batch.next
        detached = batch.isDetached
    }
}
