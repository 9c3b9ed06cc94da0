import Foundation
import TestSupport

extension Gmemd {
    /// The admin token gmemd generated into its state directory.
    var adminToken: String {
        get throws {
            try String(contentsOf: stateDirectory.appending(path: "admin-token"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// curl with `arguments` before the URL of `path` on this instance: `unix` sends it over
    /// that socket, `https` over TLS (the arguments then bring `--cacert`).
    func curl(_ path: String, _ arguments: [String] = [], unix: String? = nil, https: Bool = false)
        async throws
        -> Curl
    {
        if let unix { return try await Curl.run(arguments + ["--unix-socket", unix, "http://gmemd\(path)"]) }
        let scheme = https ? "https" : "http"
        return try await Curl.run(arguments + ["\(scheme)://127.0.0.1:\(port)\(path)"])
    }

    /// `Authorization: Bearer <admin token>` for curl.
    var adminHeader: [String] {
        get throws { ["-H", "Authorization: Bearer \(try adminToken)"] }
    }

    /// A tenant made over `unix` (or TCP, or HTTPS when `https` holds curl's trust arguments):
    /// its id and its `Authorization` header for curl.
    func newTenant(unix: String? = nil, https: [String]? = nil) async throws -> (id: String, header: [String])
    {
        let reply = try await curl(
            "/v1/tenants",
            adminHeader + ["-H", "Content-Type: application/json", "--data-binary", #"{"name":"ops"}"#]
                + (https ?? []),
            unix: unix, https: https != nil
        ).reply
        guard reply.status == 201, let id = reply.json?["id"] as? String,
            let token = reply.json?["token"] as? String
        else { throw EndToEndError.malformedResponse("POST /v1/tenants: \(reply.status) \(reply.text)") }
        return (id, ["-H", "Authorization: Bearer \(token)"])
    }

    /// A scrape of `/metrics` with the admin token, parsed. Over a connection of the test's own
    /// rather than curl: tests poll it, and a process spawned per look took seconds on a loaded
    /// machine, long enough for the queue a test watched to drain between two looks.
    func metrics() async throws -> PrometheusText {
        let connection = try RawConnection(port: port, readTimeout: .seconds(60))
        try connection.send(
            "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(try adminToken)\r\n"
                + "Connection: close\r\n\r\n")
        let reply = try connection.readReply()
        guard reply.status == 200 else {
            throw EndToEndError.malformedResponse("GET /metrics: \(reply.status)")
        }
        return try PrometheusText(reply.text)
    }
}

/// A temporary path for a Unix socket (sun_path holds 107 bytes, so it is kept short).
func temporarySocketPath() -> String {
    "/tmp/gmemd-e2e-\(UUID().uuidString.prefix(8)).sock"
}
