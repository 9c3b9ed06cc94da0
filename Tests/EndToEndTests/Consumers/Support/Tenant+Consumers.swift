import Foundation
import TestSupport

/// What a tenant's script does with consumers, pins and the dirty log.
extension Tenant {
    /// `POST /v1/files/{fid}/consumers` with the fields given; the reply as it came.
    func attachReply(
        _ file: RemoteFile, kind: String = "generic", offset: Int64? = nil, length: Int64? = nil,
        exclusive: Bool? = nil, label: String? = nil
    ) async throws -> HTTPReply {
        var body: [String: any Sendable] = ["kind": kind]
        body["offset"] = offset
        body["length"] = length
        body["exclusive"] = exclusive
        body["label"] = label
        return try await client.post(file.path + "/consumers", json: body)
    }

    /// A consumer the file must accept.
    func attach(
        _ file: RemoteFile, kind: String = "generic", offset: Int64? = nil, length: Int64? = nil,
        exclusive: Bool? = nil
    ) async throws -> RemoteConsumer {
        try await attachReply(file, kind: kind, offset: offset, length: length, exclusive: exclusive)
            .expecting(201, "attach a consumer to \(file.id)").decoded(RemoteConsumer.self)
    }

    func consumer(_ id: String) async throws -> RemoteConsumer {
        try await client.get("/v1/consumers/\(id)").expecting(200, "get consumer \(id)").decoded(
            RemoteConsumer.self)
    }

    func detach(_ consumer: RemoteConsumer) async throws {
        _ = try await client.delete(consumer.path).expecting(204, "detach \(consumer.id)")
    }

    /// A long-poll: the events after `after`, waiting up to `wait` seconds for one.
    func events(_ consumer: RemoteConsumer, after: UInt64 = 0, wait: Double = 0) async throws -> EventPage {
        try await client.get(consumer.path + "/events?after=\(after)&wait=\(wait)")
            .expecting(200, "events of \(consumer.id) after \(after)").decoded(EventPage.self)
    }

    /// `POST /v1/consumers/{cid}/pins`; the reply as it came.
    func pinReply(_ consumer: RemoteConsumer, offset: Int64, length: Int64, allocate: Bool = false)
        async throws -> HTTPReply
    {
        try await client.post(
            consumer.path + "/pins", json: ["offset": offset, "length": length, "allocate": allocate])
    }

    /// A pin the consumer must get.
    func pin(_ consumer: RemoteConsumer, offset: Int64, length: Int64, allocate: Bool = false) async throws
        -> RemotePin
    {
        try await pinReply(consumer, offset: offset, length: length, allocate: allocate)
            .expecting(201, "pin [\(offset), +\(length)) of \(consumer.id)").decoded(RemotePin.self)
    }

    func pin(_ pin: RemotePin) async throws -> RemotePin {
        try await client.get(pin.path).expecting(200, "get pin \(pin.id)").decoded(RemotePin.self)
    }

    func dirtyLog(_ file: RemoteFile, clear: Bool = false) async throws -> DirtyLogReply {
        try await client.get(file.path + "/dirty?clear=\(clear)").expecting(200, "dirty log of \(file.id)")
            .decoded(DirtyLogReply.self)
    }
}

extension SharedGmemd {
    /// The instance the consumer tests share: event streams send a keep-alive every 0.25 s, so
    /// that a test sees one without waiting long.
    static let consumers = SharedGmemd(flags: ["--sse-heartbeat", "0.25"])
}
