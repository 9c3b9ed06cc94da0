import Foundation
import TestSupport
import Testing

/// Log lines on stderr: one per request at --log-level info, as text or as JSON, with method,
/// route, status, bytes, duration and request id; none at the default level.
@Suite(.timeLimit(.scaledMinutes(10)))
struct LogTests {
    /// Runs gmemd with `flags`, sends one request with a known id, stops it (which writes out the
    /// buffered lines) and returns what it logged.
    static func logOfOneRequest(_ flags: [String], id: String) async throws -> String {
        try await Gmemd.withInstance(flags) { gmemd in
            _ = try await gmemd.curl("/v1/health", ["-H", "X-Request-Id: \(id)"])
            try await gmemd.stop()
            return gmemd.log.contents
        }
    }

    @Test func textLineNamesTheRequest() async throws {
        let log = try await Self.logOfOneRequest(["--log-level", "info"], id: "log-text-1")

        let line = try #require(
            log.split(separator: "\n").first { $0.contains("request_id=log-text-1") }, "\(log)")
        #expect(line.contains(" info gmemd: request "))
        for field in ["method=GET", "route=/v1/health", "status=200", "bytes=", "duration_ms="] {
            #expect(line.contains(field), "\(line)")
        }
        #expect(line.first?.isNumber == true, "a line starts with its ISO 8601 time: \(line)")
    }

    @Test func jsonLinesAreObjectsWithTypedFields() async throws {
        let log = try await Self.logOfOneRequest(
            ["--log-level", "info", "--log-format", "json"], id: "log-json-1")

        let objects = try log.split(separator: "\n").map { line in
            try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                "not a JSON object: \(line)")
        }
        #expect(
            objects.allSatisfy { $0["time"] is String && $0["level"] is String && $0["message"] is String })
        let request = try #require(objects.first { $0["request_id"] as? String == "log-json-1" }, "\(log)")
        #expect(request["message"] as? String == "request")
        #expect(request["level"] as? String == "info")
        #expect(request["method"] as? String == "GET")
        #expect(request["route"] as? String == "/v1/health")
        #expect(request["status"] as? Int == 200)
        #expect((request["bytes"] as? Int ?? 0) > 0)
        #expect(request["duration_ms"] is NSNumber)
        #expect(objects.contains { ($0["message"] as? String)?.hasPrefix("listening on http://") == true })
    }

    @Test func defaultLevelLogsNoRequestLines() async throws {
        let log = try await Self.logOfOneRequest([], id: "log-quiet-1")

        #expect(!log.contains("log-quiet-1"))
        #expect(log.contains(" notice gmemd: listening on http://127.0.0.1:"))
    }
}
