import Foundation

/// A consumer as `GET /v1/consumers/{cid}` shows it.
struct RemoteConsumer: Decodable, Sendable {
    var id: String
    var fileId: String
    var kind: String
    var label: String?
    var offset: Int64
    var length: Int64?
    var exclusive: Bool
    var state: String
    var lastSeq: UInt64
    var pins: Int
    var readers: Int

    var path: String { "/v1/consumers/\(id)" }
}

/// One event, as a long-poll answers it and as an SSE `data:` line carries it.
struct RemoteEvent: Decodable, Equatable, Sendable {
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
    var at: String

    /// The event without its seq and time, for comparing with a table.
    var shape: String {
        [type, offset.map { "@\($0)" }, length.map { "+\($0)" }, reason, size.map { "=\($0)" }]
            .compactMap { $0 }.joined(separator: " ")
    }
}

/// `GET /v1/consumers/{cid}/events` as JSON.
struct EventPage: Decodable, Sendable {
    var events: [RemoteEvent]
    var next: UInt64
    var detached: Bool
}

/// A pin as the pin routes answer it.
struct RemotePin: Decodable, Sendable {
    struct Extent: Decodable, Equatable, Sendable {
        var offset: Int64
        var length: Int64
        var order: Int
    }

    var id: String
    var consumerId: String
    var offset: Int64
    var length: Int64
    var extents: [Extent]
    var state: String

    var path: String { "/v1/consumers/\(consumerId)/pins/\(id)" }
}

/// `GET /v1/files/{fid}/dirty`.
struct DirtyLogReply: Decodable, Sendable {
    struct Span: Decodable, Equatable, Sendable {
        var offset: Int64
        var length: Int64
    }

    var pageSize: Int64
    var granularity: Int64
    var exact: Bool
    var ranges: [Span]
}

/// `{"items": [...]}`.
struct ItemList<Item: Decodable & Sendable>: Decodable, Sendable {
    var items: [Item]
}
