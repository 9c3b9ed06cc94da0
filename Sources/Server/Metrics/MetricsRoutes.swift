import HTTP

/// `GET /metrics`: Prometheus text. On the API listeners it takes the admin token (tenant names
/// and usage are in it); on `--metrics-listen`, an address of its own for scrapers, it takes none.
extension Telemetry {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func addMetricsRoute(to router: inout Router, auth: Authenticator, sources: ScrapeSources) {
        router.add(
            .get, "/metrics",
            Endpoint.offLoop { [self] request throws(Problem) in
                try auth.requireAdmin(request)
                return Response(status: .ok, contentType: Self.contentType, bytes: scrape(sources))
            })
    }

    /// The router of the `--metrics-listen` server: /metrics alone, without a token.
    func metricsOnlyRouter(sources: ScrapeSources) -> Router {
        var router = Router()
        router.add(
            .get, "/metrics",
            .offLoop { [self] _ in
                Response(status: .ok, contentType: Self.contentType, bytes: scrape(sources))
            })
        return router
    }
}
