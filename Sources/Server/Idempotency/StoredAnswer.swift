import FoundationEssentials
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

/// A creating request's answer as it is kept for a retry: its status, the headers its route set
/// (Content-Type, Location, ETag) and its body. A replay is that answer with
/// `Idempotent-Replayed: true` added. A descriptor that went with it (a process consumer's) is
/// not kept: it was handed out once, and `POST /v1/consumers/{cid}/fd` gives another.
struct StoredAnswer: Codable, Hashable, Sendable {
    var status: Int
    var reason: String
    /// `[name, value]` pairs, in order.
    var headers: [[String]]
    /// A creating route answers JSON, which is UTF-8.
    var body: String

    /// `response` as kept, or nil for one whose body is not held in memory (a file, a stream):
    /// no creating route answers those, and they are never kept.
    init?(_ response: Response) {
        let body: [UInt8]
        switch response.body {
        case .empty: body = []
        case .bytes(let bytes): body = bytes
        case .file, .stream: return nil
        }
        status = response.status.code
        reason = response.status.reason
        headers = response.headers.fields.map { [$0.name, $0.value] }
        self.body = String(decoding: body, as: UTF8.self)
    }

    /// The answer that `bytes` (from `bytes`, as a CreationReceipt keeps it) holds.
    init(bytes: [UInt8]) throws {
        self = try JSONCoding.decoder().decode(StoredAnswer.self, from: Data(bytes))
    }

    var bytes: [UInt8] { JSONCoding.encode(self) }

    /// The answer again, marked as a replay.
    var replay: Response {
        var fields = HTTPHeaders(headers.compactMap { $0.count == 2 ? ($0[0], $0[1]) : nil })
        fields.set("Idempotent-Replayed", "true")
        return Response(status: HTTPStatus(status, reason), headers: fields, body: .bytes(Array(body.utf8)))
    }
}
