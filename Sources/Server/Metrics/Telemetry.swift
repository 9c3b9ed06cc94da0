import CoreMetrics
import FoundationEssentials
import GuestMem
import HTTP
import Prometheus

#if canImport(Glibc)
    import Glibc
#endif

/// gmemd's metrics: swift-metrics bootstrapped with the Prometheus backend (swift-prometheus),
/// so that anything in the process that records through swift-metrics is exported too; the
/// gauges read at each scrape go through it. The per-request metrics are gmemd's own, striped
/// per loop (RequestMetrics says why), and exposed beside the registry's.
final class Telemetry: Sendable {
    let registry = PrometheusCollectorRegistry()
    let requests: RequestMetrics
    private let gauges: ScrapeGauges

    /// `loops`: the event-loop threads that will record requests, one stripe each.
    init(loops: Int) {
        let factory = PrometheusMetricsFactory(registry: registry)
        MetricsSystem.bootstrap(factory)
        requests = RequestMetrics(stripes: loops)
        gauges = ScrapeGauges(factory: factory)
    }

    /// The Prometheus text exposition (version 0.0.4) of every metric, with the gauges that are
    /// read rather than recorded brought up to date first.
    func scrape(_ sources: ScrapeSources) -> [UInt8] {
        gauges.update(from: sources)
        var text = ""
        requests.emit(into: &text)
        var buffer = Array(text.utf8)
        registry.emit(into: &buffer)
        return buffer
    }
}
