import CoreMetrics
import GuestMem
import HTTP
import Locking

/// What a scrape reads from the running service: the HTTP server's budgets (nil before it is
/// made), and each tenant's usage.
struct ScrapeSources: Sendable {
    var server: @Sendable () -> ServerLoad?
    var memory: MemoryStore
    var streams: StreamQuota
}

/// Gauges set from `ScrapeSources` at each scrape: `gmemd_open_connections` and, per tenant,
/// `gmemd_tenant_files`, `…_allocated_bytes`, `…_locked_bytes`, `…_consumers` (from
/// MemoryStore.usage, the kernel's own figures) and `…_streams` (StreamQuota). A deleted tenant's gauges are removed. Also
/// the counters `gmemd_events_delivered_total` and `gmemd_events_lost_total` (events handed
/// to readers, and events an overflow told a reader it lost). The budgets: the memory limit the
/// headroom guard works under (`gmemd_memory_limit_bytes{source}`, `…_available_bytes`,
/// `…_reserve_bytes`, `…_pending_bytes`) and the descriptors files, VMs and downloads hold
/// (`gmemd_held_fds`, `gmemd_held_fds_limit`, `gmemd_held_fds_refused_total`), and the memory
/// request bodies in flight hold (`gmemd_body_bytes`, `…_limit`, `gmemd_body_refused_total`),
/// the connection places and those kept for the admin (`gmemd_connections_limit`,
/// `gmemd_reserved_connections`, `…_limit`), and the streams each tenant may have open
/// (`gmemd_tenant_streams_limit`). The worker threads: `gmemd_worker_threads`,
/// `gmemd_worker_jobs_running`, `gmemd_worker_jobs_queued` (in total, and by owner: a tenant's
/// id, or `admin`, in `…_queued_by_owner{owner}`), and the counters
/// `gmemd_worker_jobs_started_total` and `gmemd_worker_jobs_refused_total` (503s).
final class ScrapeGauges: Sendable {
    private let factory: any MetricsFactory
    private let exported = PthreadMutex(Exported())

    private struct Exported {
        /// Tenants whose gauges exist, so that those gone since the last scrape can be removed.
        var tenants = Set<String>()
        /// The event figures the counters last reached: each scrape adds what came since.
        var delivered = 0
        var lost = 0
        var fdRefusals = 0
        var bodyRefusals = 0
        /// The memory limit's source at the last scrape: its gauge goes when the source changes.
        var memorySource: String?
        var workerJobsStarted = 0
        var workerJobsRefused = 0
        /// Owners whose queued-jobs gauge exists.
        var queueOwners = Set<String>()
    }

    static let tenantGauges = [
        "gmemd_tenant_files", "gmemd_tenant_allocated_bytes", "gmemd_tenant_locked_bytes",
        "gmemd_tenant_consumers", "gmemd_tenant_streams",
    ]

    init(factory: any MetricsFactory) { self.factory = factory }

    /// Scrapes are rare and may come two at once; the lock keeps removal and setting in order.
    func update(from sources: ScrapeSources) {
        exported.withLock { exported in
            let load = sources.server()
            gauge("gmemd_open_connections", []).record(Int64(load?.openConnections ?? 0))
            if let load {
                gauge("gmemd_connections_limit", []).record(Int64(load.connectionsLimit))
                gauge("gmemd_reserved_connections", []).record(Int64(load.reservedConnections))
                gauge("gmemd_reserved_connections_limit", []).record(Int64(load.reservedConnectionsLimit))
                gauge("gmemd_body_bytes", []).record(Int64(load.bodyBytes))
                gauge("gmemd_body_bytes_limit", []).record(Int64(load.bodyBytesLimit))
                counter("gmemd_body_refused_total").increment(
                    by: Int64(load.bodyRefusals - exported.bodyRefusals))
                exported.bodyRefusals = load.bodyRefusals
                updateWorkers(from: load.workers, &exported)
            }
            let events = sources.memory.eventStatistics
            let (delivered, lost) = (events.delivered, events.lost)
            counter("gmemd_events_delivered_total").increment(by: Int64(delivered - exported.delivered))
            counter("gmemd_events_lost_total").increment(by: Int64(lost - exported.lost))
            (exported.delivered, exported.lost) = (delivered, lost)
            updateBudgets(from: sources.memory, &exported)
            gauge("gmemd_tenant_streams_limit", []).record(Int64(sources.streams.limit))
            var seen = Set<String>()
            for record in sources.memory.tenants.records {
                guard let usage = try? sources.memory.usage(of: record.id) else { continue }
                let tenant = record.id.rawValue
                seen.insert(tenant)
                let values = [
                    Int64(usage.files), usage.allocatedBytes, usage.lockedBytes, Int64(usage.consumers),
                    Int64(sources.streams.count(of: record.id)),
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

    private func updateBudgets(from memory: MemoryStore, _ exported: inout Exported) {
        let descriptors = memory.descriptors
        gauge("gmemd_held_fds", []).record(Int64(descriptors.heldCount))
        gauge("gmemd_held_fds_limit", []).record(Int64(min(descriptors.limit, Int(Int64.max))))
        let refusals = descriptors.refusalCount
        counter("gmemd_held_fds_refused_total").increment(by: Int64(refusals - exported.fdRefusals))
        exported.fdRefusals = refusals
        guard let headroom = try? memory.memoryHeadroom() else { return }
        if let old = exported.memorySource, old != headroom.source {
            factory.destroyRecorder(gauge("gmemd_memory_limit_bytes", [("source", old)]))
        }
        exported.memorySource = headroom.source
        gauge("gmemd_memory_limit_bytes", [("source", headroom.source)]).record(headroom.limitBytes)
        gauge("gmemd_memory_available_bytes", []).record(headroom.availableBytes)
        gauge("gmemd_memory_reserve_bytes", []).record(headroom.reserveBytes)
        gauge("gmemd_memory_pending_bytes", []).record(headroom.pendingBytes)
    }

    private func updateWorkers(from workers: WorkerStatistics, _ exported: inout Exported) {
        gauge("gmemd_worker_threads", []).record(Int64(workers.threads))
        gauge("gmemd_worker_jobs_running", []).record(Int64(workers.running))
        gauge("gmemd_worker_jobs_queued", []).record(Int64(workers.waiting))
        counter("gmemd_worker_jobs_started_total").increment(
            by: Int64(workers.started - exported.workerJobsStarted))
        counter("gmemd_worker_jobs_refused_total").increment(
            by: Int64(workers.refused - exported.workerJobsRefused))
        (exported.workerJobsStarted, exported.workerJobsRefused) = (workers.started, workers.refused)
        for (owner, count) in workers.waitingByOwner {
            gauge("gmemd_worker_jobs_queued_by_owner", [("owner", owner)]).record(Int64(count))
        }
        let owners = Set(workers.waitingByOwner.keys)
        for gone in exported.queueOwners.subtracting(owners) {
            factory.destroyRecorder(gauge("gmemd_worker_jobs_queued_by_owner", [("owner", gone)]))
        }
        exported.queueOwners = owners
    }

    private func counter(_ name: String) -> any CounterHandler {
        factory.makeCounter(label: name, dimensions: [])
    }

    private func gauge(_ name: String, _ labels: [(String, String)]) -> any RecorderHandler {
        factory.makeRecorder(label: name, dimensions: labels, aggregate: false)
    }
}
