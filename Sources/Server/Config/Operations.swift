import FoundationEssentials
import HTTP
import Locking
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// The operations side of one running gmemd: request logs and metrics observe the server, TLS
/// and the listeners come from the flags, `/metrics` joins the routes, and an optional second
/// server answers `/metrics` on `--metrics-listen`.
final class Operations: Sendable {
    let telemetry: Telemetry
    private let requestLog: RequestLog
    /// The API server, once made: its connection count is read when metrics are scraped.
    private let server = PthreadMutex<HTTPServer?>(nil)
    private let metricsServer = PthreadMutex<HTTPServer?>(nil)

    /// Installs the log handler and the metrics backend; call before anything logs.
    init(options: Gmemd) {
        LogSetup.bootstrap(format: options.logFormat, level: options.logLevel.level)
        let loops = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
        telemetry = Telemetry(loops: loops)
        requestLog = RequestLog(logger: Log.logger)
    }

    /// Binds the API server (and the metrics server) with logs and metrics observing every request.
    func makeServer(options: Gmemd, routes: Routes, maxConnections: Int, inherited: [Int32] = [])
        throws -> HTTPServer
    {
        var configuration = options.serverConfiguration
        configuration.maxConnections = maxConnections
        configuration.inheritedListeners = inherited
        configuration.exhaustionObserver = Log.budgetExhausted
        configuration.headJudge = routes.headJudge
        configuration.reserveJudge = routes.reserveJudge
        configuration.tls = try options.tlsContext()
        configuration.requestObserver = { [requestLog, telemetry] request in
            requestLog.record(request)
            telemetry.requests.record(request)
        }
        let sources = ScrapeSources(
            server: { [self] in server.withLock { $0?.load } },
            memory: routes.memory, streams: routes.streams)
        var router = routes.router()
        telemetry.addMetricsRoute(to: &router, auth: routes.auth, sources: sources)
        let made: HTTPServer
        do {
            made = try HTTPServer(configuration: configuration, router: router)
        } catch {
            throw StartFailure(listeners: Self.describe(options), error)
        }
        server.withLock { $0 = made }
        if let address = options.metricsListen {
            var metrics = ServerConfiguration()
            (metrics.host, metrics.port, metrics.threads) = (address.host, address.port, 1)
            // Its one route answers on a task; no job ever needs a worker there.
            metrics.workerThreads = 1
            let metricsServer = try HTTPServer(
                configuration: metrics, router: telemetry.metricsOnlyRouter(sources: sources))
            self.metricsServer.withLock { $0 = metricsServer }
        }
        return made
    }

    private static func describe(_ options: Gmemd) -> String {
        let tcp = options.listen.isNone ? [] : ["\(options.listen.host):\(options.listen.port)"]
        return (tcp + (options.unix.map { ["unix:\($0)"] } ?? [])).joined(separator: " and ")
    }

    /// One `listening on …` line per listener: the end-to-end tests and scripts read the port
    /// from the first.
    func announce(_ server: HTTPServer, options: Gmemd) {
        if !options.listen.isNone {
            let host = options.listen.host.contains(":") ? "[\(options.listen.host)]" : options.listen.host
            let scheme = options.tlsCert == nil ? "http" : "https"
            Log.info("listening on \(scheme)://\(host):\(server.boundPort)")
        }
        if let unix = options.unix { Log.info("listening on unix:\(unix)") }
        if let address = options.metricsListen, let metrics = metricsServer.withLock({ $0 }) {
            let host = address.host.contains(":") ? "[\(address.host)]" : address.host
            Log.info("metrics on http://\(host):\(metrics.boundPort)/metrics")
        }
    }

    /// Runs the metrics server, if any, on a thread of its own until `shutdown()`.
    func startMetricsServer() {
        guard let metrics = metricsServer.withLock({ $0 }) else { return }
        LoopThread.detach { metrics.run() }
    }

    func shutdown() {
        metricsServer.withLock { $0 }?.shutdown()
    }
}

/// A listener could not be opened: which, and why, in words an operator can act on.
struct StartFailure: Error, CustomStringConvertible {
    let description: String

    init(listeners: String, _ error: Errno) {
        let why =
            switch error {
            case .addressInUse: "the address is in use (another gmemd, or another server, listens there)"
            case .fileExists: "the path exists and is not a socket; gmemd never deletes such a file"
            default: "\(error)"
            }
        description = "cannot listen on \(listeners): \(why)"
    }
}
