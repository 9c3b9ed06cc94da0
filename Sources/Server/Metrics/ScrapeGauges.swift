import CoreMetrics
import GuestMem
import Synchronization

/// What a scrape reads from the running service: open connections, and each tenant's usage.
struct ScrapeSources: Sendable {
    var openConnections: @Sendable () -> Int
    var memory: MemoryStore
    var tenants: TenantRegistry
}

/// Gauges set from `ScrapeSources` at each scrape: `gmemd_open_connections` and, per tenant,
/// `gmemd_tenant_files`, `…_allocated_bytes`, `…_locked_bytes`, `…_consumers` (from
/// MemoryStore.usage, the kernel's own figures). A deleted tenant's gauges are removed. Also
/// the counters `gmemd_events_delivered_total` and `gmemd_events_lost_total` (events handed
/// to readers, and events an overflow told a reader it lost).
final class ScrapeGauges: Sendable {
    private let factory: any MetricsFactory
    private let exported = Mutex(Exported())

    private struct Exported {
        /// Tenants whose gauges exist, so that those gone since the last scrape can be removed.
        var tenants = Set<String>()
        /// The event figures the counters last reached: each scrape adds what came since.
        var delivered = 0
        var lost = 0
    }

    static let tenantGauges = [
        "gmemd_tenant_files", "gmemd_tenant_allocated_bytes", "gmemd_tenant_locked_bytes",
        "gmemd_tenant_consumers",
    ]

    init(factory: any MetricsFactory) { self.factory = factory }

    /// Scrapes are rare and may come two at once; the lock keeps removal and setting in order.
    func update(from sources: ScrapeSources) {
        exported.withLock { exported in
            gauge("gmemd_open_connections", []).record(Int64(sources.openConnections()))
            let events = sources.memory.eventStatistics
            let (delivered, lost) = (events.delivered, events.lost)
            counter("gmemd_events_delivered_total").increment(by: Int64(delivered - exported.delivered))
            counter("gmemd_events_lost_total").increment(by: Int64(lost - exported.lost))
            (exported.delivered, exported.lost) = (delivered, lost)
            var seen = Set<String>()
            for record in sources.tenants.all {
                guard let usage = try? sources.memory.usage(of: record.tenantID) else { continue }
                let tenant = record.id
                seen.insert(tenant)
                let values = [
                    Int64(usage.files), usage.allocatedBytes, usage.lockedBytes, Int64(usage.consumers),
                ]
                for (name, value) in zip(Self.tenantGauges, values) {
                    gauge(name, [("tenant", tenant)]).record(value)
                }
            }
            for gone in exported.tenants.subtracting(seen) {
                for name in Self.tenantGauges { factory.destroyRecorder(gauge(name, [("tenant", gone)])) }
            }
            exported.tenants = seen
        }
    }

    private func counter(_ name: String) -> any CounterHandler {
        factory.makeCounter(label: name, dimensions: [])
    }

    private func gauge(_ name: String, _ labels: [(String, String)]) -> any RecorderHandler {
        factory.makeRecorder(label: name, dimensions: labels, aggregate: false)
    }
}
