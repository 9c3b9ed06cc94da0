import GuestMem

/// A tenant's limits on the wire. In a request every field is optional: what is left out keeps
/// its current value (PATCH) or the default (create).
struct LimitsBody: PartialLimits, Codable, Sendable, Equatable {
    var maxBytes: Int64?
    var maxLockedBytes: Int64?
    var maxFiles: Int?
    var maxConsumers: Int?
    var maxVms: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxBytes, maxLockedBytes, maxFiles, maxConsumers, maxVms
    }

    init() {}

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        maxBytes = try container.decodeIfPresent(Int64.self, forKey: .maxBytes)
        maxLockedBytes = try container.decodeIfPresent(Int64.self, forKey: .maxLockedBytes)
        maxFiles = try container.decodeIfPresent(Int.self, forKey: .maxFiles)
        maxConsumers = try container.decodeIfPresent(Int.self, forKey: .maxConsumers)
        maxVms = try container.decodeIfPresent(Int.self, forKey: .maxVms)
        // A negative limit can never be met: 422 as the body is read, before If-Match is judged.
        for (key, value) in [
            (CodingKeys.maxBytes, maxBytes), (.maxLockedBytes, maxLockedBytes),
            (.maxFiles, maxFiles.map(Int64.init)),
            (.maxConsumers, maxConsumers.map(Int64.init)), (.maxVms, maxVms.map(Int64.init)),
        ] where (value ?? 0) < 0 {
            throw Problem.unprocessable("\(key.stringValue.snakeCased) must not be negative")
        }
    }
}
