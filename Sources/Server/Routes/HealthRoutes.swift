import GuestMem
import HTTP

/// `GET /v1/health`: what this host can do, fixed at start. Needs no token, so that probes
/// and load balancers can call it; it names no tenant data.
struct HealthReport: Encodable, Sendable {
    var status = "ok"
    var version = GmemdVersion.string
    var kernel: String
    var pageSize: Int64
    var backends: Backends
    var hugePages: Feature
    var kvm: KVMReport
    /// The memory limit the headroom guard works under, as found at start; nil if unreadable.
    var memory: MemoryReport?
    /// What this start took back of the files journaled before it.
    var restart: RestartReport

    /// Counts only: the health route needs no token, and names no tenant's files. The lost ones'
    /// records and reasons are in STATE_DIR/files/lost/.
    struct RestartReport: Encodable, Sendable {
        var filesRestored: Int
        var filesLost: Int
    }

    struct Backends: Encodable, Sendable {
        var memfd: Feature
        var guestMemfd: Feature
    }

    struct MemoryReport: Encodable, Sendable {
        var limitBytes: Int64
        var source: String
        var reserveBytes: Int64
    }

    /// Whether a feature is served here, and if not, why; `disabled_by_operator` when the
    /// operator turned it off (`--backends`), which the host may have.
    struct Feature: Encodable, Sendable {
        var available: Bool
        var reason: String?
        var disabledByOperator: Bool?

        init(_ feature: GuestMem.Feature, of features: ServedFeatures) {
            let absence = features.absence(of: feature)
            available = absence == nil
            reason = absence?.reason
            disabledByOperator = absence?.isDisabledByOperator == true ? true : nil
        }
    }

    init(
        _ capabilities: HostCapabilities, features: ServedFeatures, memory: MemoryHeadroom?,
        restart: RestoreReport = RestoreReport()
    ) {
        self.restart = RestartReport(filesRestored: restart.restored, filesLost: restart.lost.count)
        self.memory = memory.map {
            MemoryReport(limitBytes: $0.limitBytes, source: $0.source, reserveBytes: $0.reserveBytes)
        }
        kernel = capabilities.kernelRelease
        pageSize = capabilities.pageSize
        kvm = KVMReport(features.kvm)
        backends = Backends(
            memfd: Feature(.memfd, of: features), guestMemfd: Feature(.guestMemfd, of: features))
        hugePages = Feature(.hugePages, of: features)
    }
}

extension Routes {
    func addHealthRoutes(to router: inout Router) {
        // Encoded once: the answer cannot change while gmemd runs, and this is the route load
        // balancers poll.
        let body = JSONWriter.encode(health)
        router.add(
            .get, "/v1/health",
            .onLoop { _ in Response(status: .ok, contentType: "application/json", bytes: body) })
    }
}
