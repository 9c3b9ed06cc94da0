import Foundation
import TestSupport
import Testing

/// Every request that changes a file, as a tenant sends it with or without If-Match, on a file
/// of one allocated page (IfMatchTests.fileWithStaleETag).
enum FileChange: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case resize, delete, addSeals, allocate, punchHole, writeContent

    var testDescription: String { rawValue }

    /// The changes that leave the file in place.
    static let keepingTheFile = allCases.filter { $0 != .delete }

    /// The status of the change when it applies.
    var success: Int { self == .delete ? 204 : 200 }

    func send(to file: RemoteFile, as tenant: Tenant, ifMatch: String?) async throws -> HTTPReply {
        try await send(request, to: file, as: tenant, ifMatch: ifMatch)
    }

    /// The same request made invalid in its body or query: refused whatever the file's state.
    func sendInvalid(to file: RemoteFile, as tenant: Tenant, ifMatch: String?) async throws -> HTTPReply {
        try await send(invalidRequest, to: file, as: tenant, ifMatch: ifMatch)
    }

    private typealias Request = (method: String, suffix: String, json: [String: any Sendable]?, bytes: Data?)

    private var request: Request {
        switch self {
        case .resize: ("PATCH", "", ["size": 8192], nil)
        case .delete: ("DELETE", "", nil, nil)
        case .addSeals: ("POST", "/seals", ["seals": ["grow"]], nil)
        case .allocate: ("POST", "/fallocate", ["mode": "allocate", "offset": 4096, "length": 4096], nil)
        case .punchHole: ("POST", "/fallocate", ["mode": "punch_hole", "offset": 0, "length": 4096], nil)
        case .writeContent: ("PUT", "/content?offset=0", nil, Data([2, 3]))
        }
    }

    private var invalidRequest: Request {
        switch self {
        case .resize: ("PATCH", "", ["size": -1], nil)
        case .delete: ("DELETE", "?force=maybe", nil, nil)
        case .addSeals: ("POST", "/seals", ["seals": ["no-such-seal"]], nil)
        case .allocate: ("POST", "/fallocate", ["mode": "allocate", "offset": 0, "length": 0], nil)
        case .punchHole: ("POST", "/fallocate", ["mode": "punch_hole", "offset": -4096, "length": 4096], nil)
        case .writeContent: ("PUT", "/content?offset=-1", nil, Data([2, 3]))
        }
    }

    private func send(_ request: Request, to file: RemoteFile, as tenant: Tenant, ifMatch: String?)
        async throws -> HTTPReply
    {
        var headers: [String: String] = [:]
        headers["If-Match"] = ifMatch
        var body = request.bytes
        if let json = request.json {
            body = try APIClient.encode(json)
            headers["Content-Type"] = "application/json"
        } else if body != nil {
            headers["Content-Type"] = "application/octet-stream"
        }
        return try await tenant.client.send(
            request.method, file.path + request.suffix, body: body, headers: headers)
    }
}
