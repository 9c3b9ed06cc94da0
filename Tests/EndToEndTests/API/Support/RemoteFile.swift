import TestSupport

/// A file as `GET /v1/files/{fid}` shows it, with its ETag. Two snapshots are equal only if
/// nothing a tenant can see has changed: size, allocation, seals, update time and version.
struct RemoteFile: Decodable, Equatable, Sendable {
    var id: String
    var name: String
    var size: Int64
    var allocatedBytes: Int64
    var seals: [String]
    var updatedAt: String
    var etag: String?

    private enum CodingKeys: String, CodingKey { case id, name, size, allocatedBytes, seals, updatedAt }

    var path: String { "/v1/files/\(id)" }

    /// The file in `reply`, which must have `status`.
    init(_ reply: HTTPReply, status: Int = 200, _ step: String) throws {
        self = try reply.expecting(status, step).decoded(RemoteFile.self)
        etag = reply.header("ETag")
    }
}

/// A tenant's `GET /v1/usage` figures.
struct Usage: Decodable, Equatable, Sendable {
    var allocatedBytes: Int64
    var lockedBytes: Int64
    var files: Int
    var consumers: Int
}
