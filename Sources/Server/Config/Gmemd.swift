import ArgumentParser
import FoundationEssentials
import GuestMem
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

/// The `gmemd` command: parses flags, loads state, serves until SIGINT or SIGTERM.
struct Gmemd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gmemd",
        abstract: "A guest-memory broker: real memfd files for many tenants, over HTTP/1.1.",
        discussion: """
            Every option can also be set in the environment as GMEMD_<NAME> (upper case, '-' as '_', \
            e.g. GMEMD_MAX_BODY_BYTES) or in a config file given with --config or GMEMD_CONFIG, one \
            'name = value' per line (e.g. 'listen = 127.0.0.1:9000'). The command line wins over the \
            environment, which wins over the file.

            'gmemd fd --help': the client that receives a file's descriptor over the Unix socket \
            and runs a command with it.
            """,
        version: GmemdVersion.string
    )

    /// The long names of the options, as `--help` spells them: derived from the properties so a
    /// new option is picked up by the environment and the config file without a second list.
    static var optionNames: [String] {
        Mirror(reflecting: Gmemd()).children.compactMap { $0.label?.dropFirst().description.kebabCased }
    }

    @Option(help: "A config file of 'name = value' lines (see above).")
    var config: String?

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free port), or 'none' with --unix.")
    var listen = ListenAddress(host: "127.0.0.1", port: 8080)

    @Option(help: "Directory for the admin token, the tenant registry and the memory files' records.")
    var stateDir = "./.gmemd"

    @Option(help: "File holding the admin bearer token; if absent one is generated into the state directory.")
    var adminTokenFile: String?

    @Option(help: "Event-loop threads (0: one per core).")
    var threads = 0

    @Option(
        help:
            "Worker threads for blocking work: fallocate, punch, resize, seals, content, large JSON, gzip bodies (0: twice the cores, at least 4)."
    )
    var workers = 0

    @Option(
        help:
            "Most blocking requests of one tenant (or of the admin) running at once; more wait their turn (0: half the workers)."
    )
    var workerShare = 0

    @Option(
        help:
            "Most blocking requests of one tenant waiting for a worker; more are 503 (the admin's are never refused)."
    )
    var workerQueue = 64

    @Option(
        help:
            "How much lower than the event loops worker threads run, as a nice increment (0: the same; at most 19)."
    )
    var workerNice = 0

    @Option(help: "Longest request line in bytes (longer: 414).")
    var maxRequestLineBytes = 8 * 1024

    @Option(help: "Largest header block in bytes (larger: 431).")
    var maxHeaderBytes = 16 * 1024

    @Option(help: "Largest request body in bytes (larger: 413).")
    var maxBodyBytes = 64 * 1024 * 1024

    @Option(
        help:
            "Largest JSON request body in bytes (larger: 413 from its head); content uploads take --max-body-bytes."
    )
    var maxJsonBytes = 1024 * 1024

    @Option(
        help:
            "Bytes all request bodies in flight may hold together, gzip-inflated output included (more: 503 with Retry-After); at least --max-body-bytes."
    )
    var bodyMemoryBytes = 256 * 1024 * 1024

    @Option(help: "Seconds an idle keep-alive connection is kept.")
    var idleTimeout = 60.0

    @Option(help: "Seconds a client has to send a whole request head (slow clients are cut off with 408).")
    var headerTimeout = 10.0

    @Option(help: "Seconds a request body may pause between two reads.")
    var bodyTimeout = 30.0

    @Option(
        help: "Most open connections; past them --admin-connections more, kept for the admin.")
    var maxConnections = 10_000

    @Option(
        help:
            "Connections kept past --max-connections for the admin's requests (any other request on them: 503), at most 32."
    )
    var adminConnections = 16

    @Option(
        help:
            "Most fds tenants' files, VMs and downloads hold together (0: RLIMIT_NOFILE less room for the connections and gmemd's own; beyond: 507 EMFILE)."
    )
    var maxHeldFds = 0

    @Option(
        help:
            "Event streams, long-polls and content downloads one tenant may have open at once (more: 403 quota, EDQUOT)."
    )
    var maxStreamsPerTenant = 64

    @Option(help: "Seconds in-flight requests get to finish on shutdown.")
    var shutdownGrace = 10.0

    @Option(
        help: "Bytes of MemAvailable that no allocation may eat into (a memory-cgroup overrun kills gmemd).")
    var hostReserveBytes: Int64 = 512 * 1024 * 1024

    @Option(help: "The KVM device for VMs and guest_memfd files; if it cannot be opened, they get 422.")
    var kvmDevice = "/dev/kvm"

    @Option(
        help: ArgumentHelp(
            "The file backends to serve, comma-separated; one left out gets 422 (default: all the host has).",
            valueName: "memfd,guest_memfd"))
    var backends = BackendList.all

    @Option(
        help: "Events kept per consumer for readers that lag; a reader further behind gets an overflow event."
    )
    var eventBacklog = 1024

    @Option(help: "Seconds between keep-alive comments on an idle event stream (above 0, at most 60).")
    var sseHeartbeat = 15.0

    // Operations (Gmemd+Operations.swift): TLS, a Unix socket, gzip, metrics, logs.

    @Option(help: "PEM certificate chain: with --tls-key, the TCP listener speaks HTTPS (TLS 1.2 or newer).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "PEM CA certificates: clients must present a certificate signed by one (mutual TLS).")
    var tlsClientCa: String?

    @Option(
        help: "Also listen on a Unix-domain socket at PATH (plain HTTP; a stale socket file is replaced).")
    var unix: String?

    @Option(help: "File mode of the --unix socket, in octal.")
    var unixMode = FileMode(0o660)

    @Option(
        help:
            "Serve GET /metrics without a token on this HOST:PORT as well (it takes the admin token elsewhere)."
    )
    var metricsListen: ListenAddress?

    @Option(
        help:
            "Response bodies of at least this many bytes are gzip-coded for clients that accept it (0: never)."
    )
    var gzipMinBytes = 1024

    @Option(help: "zlib level for gzip responses, 1 (fastest) to 9 (smallest).")
    var gzipLevel = 1

    @Option(help: "Log line format: text or json.")
    var logFormat = LogFormat.text

    @Option(
        help:
            "Lowest level logged: trace, debug, info (adds one line per request), notice, warning, error, critical."
    )
    var logLevel = LogLevel.notice

    func validate() throws {
        guard threads >= 0 else { throw ValidationError("--threads must be 0 or more") }
        for (name, value) in [
            ("max-request-line-bytes", maxRequestLineBytes), ("max-header-bytes", maxHeaderBytes),
            ("max-body-bytes", maxBodyBytes), ("max-connections", maxConnections),
            ("max-json-bytes", maxJsonBytes), ("max-streams-per-tenant", maxStreamsPerTenant),
        ] where value <= 0 {
            throw ValidationError("--\(name) must be positive")
        }
        for (name, value) in [
            ("idle-timeout", idleTimeout), ("header-timeout", headerTimeout), ("body-timeout", bodyTimeout),
            ("shutdown-grace", shutdownGrace),
        ] where !(value > 0 && value < 1e9) {
            throw ValidationError("--\(name) must be a positive number of seconds")
        }
        guard (1...1_000_000).contains(eventBacklog) else {
            throw ValidationError("--event-backlog must be from 1 to 1000000")
        }
        guard sseHeartbeat > 0, sseHeartbeat <= 60 else {
            throw ValidationError("--sse-heartbeat must be above 0 and at most 60 seconds")
        }
        guard (0...1024).contains(workers) else { throw ValidationError("--workers must be from 0 to 1024") }
        guard workerShare >= 0 else { throw ValidationError("--worker-share must not be negative") }
        guard (1...1_000_000).contains(workerQueue) else {
            throw ValidationError("--worker-queue must be from 1 to 1000000")
        }
        guard (0...19).contains(workerNice) else {
            throw ValidationError("--worker-nice must be from 0 to 19")
        }
        guard (0...DescriptorPlan.maxAdminConnections).contains(adminConnections) else {
            throw ValidationError(
                "--admin-connections must be from 0 to \(DescriptorPlan.maxAdminConnections): they take fds kept for gmemd's own"
            )
        }
        guard bodyMemoryBytes >= maxBodyBytes else {
            throw ValidationError("--body-memory-bytes must be at least --max-body-bytes (\(maxBodyBytes))")
        }
        guard maxHeldFds >= 0 else { throw ValidationError("--max-held-fds must not be negative") }
        guard !backends.backends.isEmpty else {
            throw ValidationError("--backends must name memfd, guest_memfd or both")
        }
        guard hostReserveBytes >= 0 else {
            throw ValidationError("--host-reserve-bytes must not be negative")
        }
        try validateOperations()
    }

    func run() throws {
        let service = try Service(options: self)
        try service.run()
    }

    var serverConfiguration: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = listen.host
        configuration.port = listen.port
        configuration.threads = threads
        configuration.maxRequestLineBytes = maxRequestLineBytes
        configuration.maxHeaderBytes = maxHeaderBytes
        configuration.maxBodyBytes = maxBodyBytes
        configuration.bodyMemoryBytes = bodyMemoryBytes
        configuration.idleTimeout = .seconds(idleTimeout)
        configuration.headerTimeout = .seconds(headerTimeout)
        configuration.bodyTimeout = .seconds(bodyTimeout)
        configuration.maxConnections = maxConnections
        configuration.reservedConnections = adminConnections
        configuration.shutdownGrace = .seconds(shutdownGrace)
        configuration.workerThreads = workers
        configuration.workerShare = workerShare
        configuration.workerQueueDepth = workerQueue
        configuration.workerNiceness = Int32(workerNice)
        applyOperations(to: &configuration)
        return configuration
    }
}
