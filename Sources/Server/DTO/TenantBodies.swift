import GuestMem

/// `POST /v1/tenants`.
struct CreateTenantBody: JSONBody {
    static let jsonLimits = JSONLimits.nested

    var name: String
    var limits: LimitsBody?

    enum CodingKeys: String, CodingKey, CaseIterable { case name, limits }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeName(forKey: .name)
        limits = try container.decodeIfPresent(LimitsBody.self, forKey: .limits)
    }
}

/// `PATCH /v1/tenants/{tid}`.
struct UpdateTenantBody: JSONBody {
    static let jsonLimits = JSONLimits.nested

    var limits: LimitsBody

    enum CodingKeys: String, CodingKey, CaseIterable { case limits }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        limits = try decoder.container(keyedBy: CodingKeys.self).decode(LimitsBody.self, forKey: .limits)
    }
}

/// A tenant as the admin sees it. `token` is present once: in the answer that created it.
struct TenantView: Encodable {
    var id: String
    var name: String
    var limits: LimitsBody
    var usage: UsageView
    var createdAt: String
    var token: String?
}

/// `GET /v1/usage` and a tenant's usage figures.
struct UsageView: Encodable {
    var allocatedBytes: Int64
    var lockedBytes: Int64
    var files: Int
    var consumers: Int
    var vms: Int

    init(_ usage: TenantUsage) {
        allocatedBytes = usage.allocatedBytes
        lockedBytes = usage.lockedBytes
        files = usage.files
        consumers = usage.consumers
        vms = usage.vms
    }
}

/// A page of a listing: `next_cursor` is absent on the last page.
struct Page<Item: Encodable>: Encodable {
    var items: [Item]
    var nextCursor: String?
}
