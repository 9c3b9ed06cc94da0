import GuestMem

/// `POST /v1/consumers/{cid}/pins`.
struct PinBody: JSONBody {
    static let jsonLimits = JSONLimits.flat

    var offset: Int64
    var length: Int64
    var allocate: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable { case offset, length, allocate }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        offset = try container.decode(Int64.self, forKey: .offset)
        length = try container.decode(Int64.self, forKey: .length)
        allocate = try container.decodeIfPresent(Bool.self, forKey: .allocate)
    }
}

/// A pin: the pages it holds as extents of one page order each.
struct PinView: Encodable {
    var id: String
    var consumerId: String
    var offset: Int64
    var length: Int64
    var extents: [Extent]
    var state: String
    var createdAt: String

    struct Extent: Encodable {
        var offset: Int64
        var length: Int64
        var order: Int
    }

    init(_ pin: PinSnapshot) {
        id = pin.id.rawValue
        consumerId = pin.consumerID.rawValue
        offset = pin.range.offset
        length = pin.range.length
        extents = pin.extents.map {
            Extent(offset: $0.range.offset, length: $0.range.length, order: $0.order)
        }
        state =
            switch pin.state {
            case .live: "live"
            case .revoked: "revoked"
            case .released: "released"
            }
        createdAt = WireTime.string(pin.createdAt)
    }
}

/// `GET /v1/files/{fid}/dirty`.
struct DirtyLogView: Encodable {
    var pageSize: Int64
    /// What every range is a multiple of: `pageSize` while `exact`.
    var granularity: Int64
    /// False once the log outgrew its cap and was coarsened: ranges may hold clean pages too.
    var exact: Bool
    var ranges: [Range]

    struct Range: Encodable {
        var offset: Int64
        var length: Int64
    }

    init(_ log: DirtyLog) {
        pageSize = log.pageSize
        granularity = log.granularity
        exact = log.isExact
        ranges = log.ranges.map { Range(offset: $0.offset, length: $0.length) }
    }
}

/// A listing that is never paged: a file's consumers, a consumer's pins.
struct Items<Item: Encodable>: Encodable {
    var items: [Item]
}
