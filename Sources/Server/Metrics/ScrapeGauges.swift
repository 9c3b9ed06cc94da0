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
/// MemoryStore.usage, the kernel's own figures). A deleted tenant's gauges are removed.
final class ScrapeGauges: Sendable {
    private let factory: any MetricsFactory
    /// Tenants whose gauges exist, so that those gone since the last scrape can be removed.
    private let exported = Mutex<Set<String>>([])

    static let tenantGauges = [
        "gmemd_tenant_files", "gmemd_tenant_allocated_bytes", "gmemd_tenant_locked_bytes",
        "gmemd_tenant_consumers",
    ]

    init(factory: any MetricsFactory) { self.factory = factory }

    /// Scrapes are rare and may come two at once; the lock keeps removal and setting in order.
    func update(from sources: ScrapeSources) {
        exported.withLock { exported in
            gauge("gmemd_open_connections", []).record(Int64(sources.openConnections()))
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
            for gone in exported.subtracting(seen) {
                for name in Self.tenantGauges { factory.destroyRecorder(gauge(name, [("tenant", gone)])) }
            }
            exported = seen
        }
    }

    private func gauge(_ name: String, _ labels: [(String, String)]) -> any RecorderHandler {
        factory.makeRecorder(label: name, dimensions: labels, aggregate: false)
    }
}
