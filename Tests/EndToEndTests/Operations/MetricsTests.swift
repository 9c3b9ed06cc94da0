import Foundation
import TestSupport
import Testing

/// GET /metrics: Prometheus text that a strict parser takes, counters that move with requests,
/// labels that name route patterns, tenant usage, the admin token, and --metrics-listen.
@Suite(.timeLimit(.scaledMinutes(10)))
struct MetricsTests {
    static let gmemd = SharedGmemd(flags: ["--metrics-listen", "127.0.0.1:0"])

    @Test func requestCounterAndLatencyHistogramMoveWithRequests() async throws {
        let gmemd = try await Self.gmemd.running()
        let labels = ["route": "/v1/health", "method": "GET", "status": "200"]
        let before = try await gmemd.metrics()
        let countBefore = before.value("gmemd_http_requests_total", labels) ?? 0
        let histogramBefore =
            before.value(
                "gmemd_http_request_duration_seconds_count", ["route": "/v1/health", "method": "GET"]) ?? 0

        for _ in 0..<3 { _ = try await gmemd.curl("/v1/health") }

        let after = try await gmemd.metrics()
        #expect(after.types["gmemd_http_requests_total"] == "counter")
        #expect(after.types["gmemd_http_request_duration_seconds"] == "histogram")
        // Other tests of this suite may add requests of their own meanwhile, never fewer.
        #expect(try #require(after.value("gmemd_http_requests_total", labels)) >= countBefore + 3)
        let count = try #require(
            after.value(
                "gmemd_http_request_duration_seconds_count", ["route": "/v1/health", "method": "GET"]))
        #expect(count >= histogramBefore + 3)
        let buckets = after.samples(
            "gmemd_http_request_duration_seconds_bucket", matching: ["route": "/v1/health", "method": "GET"])
        #expect(buckets.last?.labels["le"] == "+Inf")
        #expect(buckets.last?.value == count)
        #expect(
            zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value }, "buckets are cumulative")
    }

    @Test func routesAreLabelledByPatternNeverByPath() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant()
        let missing = "file_doesnotexist0000000000"

        let reply = try await gmemd.curl("/v1/files/\(missing)", tenant.header).reply
        #expect(reply.status == 404)

        let metrics = try await gmemd.metrics()
        #expect(
            !metrics.samples(
                "gmemd_http_requests_total", matching: ["route": "/v1/files/{fid}", "status": "404"]
            ).isEmpty)
        #expect(!metrics.samples.contains { $0.labels.values.contains { $0.contains(missing) } })
    }

    @Test func tenantUsageIsExportedPerTenant() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant()
        let json = ["-H", "Content-Type: application/json"]
        let created = try await gmemd.curl(
            "/v1/files", tenant.header + json + ["--data-binary", #"{"name":"m","size":1048576}"#]
        ).reply
        let file = try #require(created.json?["id"] as? String)
        _ = try await gmemd.curl(
            "/v1/files/\(file)/fallocate",
            tenant.header + json + ["--data-binary", #"{"mode":"allocate","offset":0,"length":1048576}"#])

        let metrics = try await gmemd.metrics()

        #expect(metrics.value("gmemd_tenant_files", ["tenant": tenant.id]) == 1)
        #expect(metrics.value("gmemd_tenant_allocated_bytes", ["tenant": tenant.id]) == 1_048_576)
        #expect(metrics.value("gmemd_tenant_locked_bytes", ["tenant": tenant.id]) == 0)
        #expect(metrics.value("gmemd_tenant_consumers", ["tenant": tenant.id]) == 0)
        #expect(try #require(metrics.value("gmemd_open_connections")) >= 1)
        #expect(metrics.value("gmemd_tenant_streams", ["tenant": tenant.id]) == 0)
    }

    /// Each budget of gmemd's own is exported with its limit (README, "Budgets and limits").
    @Test func budgetsAreExportedWithTheirUseAndLimits() async throws {
        let gmemd = try await Self.gmemd.running()

        let metrics = try await gmemd.metrics()

        #expect(metrics.value("gmemd_body_bytes_limit") == Double(256 << 20))
        #expect(try #require(metrics.value("gmemd_body_bytes")) >= 0)
        #expect(metrics.types["gmemd_body_refused_total"] == "counter")
        #expect(metrics.value("gmemd_reserved_connections") == 0)
        #expect(metrics.value("gmemd_reserved_connections_limit") == 16)
        #expect(try #require(metrics.value("gmemd_connections_limit")) > 0)
        #expect(metrics.value("gmemd_tenant_streams_limit") == 64)
        #expect(try #require(metrics.value("gmemd_held_fds_limit")) > 0)
        #expect(try #require(metrics.samples("gmemd_memory_limit_bytes").first?.value) > 0)
    }

    @Test func eventsHandedToReadersAndLostToOverflowAreCounted() async throws {
        try await Gmemd.withInstance(["--event-backlog", "2"]) { gmemd in
            let tenant = try await gmemd.newTenant()
            let json = ["-H", "Content-Type: application/json"]
            let created = try await gmemd.curl(
                "/v1/files", tenant.header + json + ["--data-binary", #"{"name":"e","size":65536}"#]
            ).reply
            let file = try #require(created.json?["id"] as? String)
            let attached = try await gmemd.curl(
                "/v1/files/\(file)/consumers",
                tenant.header + json + ["--data-binary", #"{"kind":"generic"}"#]
            ).reply
            let consumer = try #require(attached.json?["id"] as? String)
            // Four allocations, four events; a backlog of two keeps the last two.
            for page in 0..<4 {
                let body = #"{"mode":"allocate","offset":"# + "\(page * 4096)" + #","length":4096}"#
                _ = try await gmemd.curl(
                    "/v1/files/\(file)/fallocate", tenant.header + json + ["--data-binary", body])
            }

            let read = try await gmemd.curl("/v1/consumers/\(consumer)/events?after=0&wait=0", tenant.header)
                .reply
            #expect(read.status == 200, "\(read.text)")
            let metrics = try await gmemd.metrics()

            #expect(metrics.types["gmemd_events_delivered_total"] == "counter")
            #expect(metrics.value("gmemd_events_delivered_total") == 2)
            #expect(metrics.value("gmemd_events_lost_total") == 2)
        }
    }

    @Test(arguments: [("no token", false), ("a tenant's token", true)])
    func metricsOnTheAPIListenerTakeTheAdminToken(_ who: String, withTenantToken: Bool) async throws {
        let gmemd = try await Self.gmemd.running()
        let header = withTenantToken ? try await gmemd.newTenant().header : []

        let reply = try await gmemd.curl("/metrics", header).reply

        #expect(reply.status == (withTenantToken ? 403 : 401))
    }

    @Test func metricsListenServesThemWithoutAToken() async throws {
        let gmemd = try await Self.gmemd.running()
        // gmemd is running once it says where it listens; the metrics line comes just after.
        func metricsLine() -> Substring? {
            gmemd.log.contents.split(separator: "\n").first { $0.contains("metrics on http://127.0.0.1:") }
        }
        try await until("gmemd to log where it serves metrics") { metricsLine() != nil }
        let line = try #require(metricsLine())
        let url = try #require(line.split(separator: " ").last.map(String.init))

        let curl = try await Curl.run([url])

        #expect(curl.reply.status == 200)
        #expect(curl.reply.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
        _ = try PrometheusText(curl.reply.text)
        let api = try await Curl.run([url.replacingOccurrences(of: "/metrics", with: "/v1/health")])
        #expect(api.reply.status == 404, "the metrics listener serves nothing else")
    }
}
