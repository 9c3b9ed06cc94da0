import FoundationEssentials
import GuestMem
import HTTP
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// One running gmemd: state loaded, router built, server bound, signals wired.
struct Service {
    let server: HTTPServer
    let options: Gmemd
    let operations: Operations
    let notifier: ServiceNotifier
    let memory: MemoryStore
    let files: FileStateDirectory
    let upgrade = Upgrade()

    init(options: Gmemd) throws {
        operations = Operations(options: options)
        notifier = ServiceNotifier(environment: ProcessInfo.processInfo.environment)
        let stateDirectory = FilePath(options.stateDir)
        try FileManager.default.createDirectory(
            atPath: options.stateDir, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let adminToken = try AdminToken.load(
            file: options.adminTokenFile.map { FilePath($0) }, stateDirectory: stateDirectory)
        let stateFile = TenantStateFile(stateDirectory: stateDirectory)
        let tenants = TenantDirectory(try stateFile.load(), journal: stateFile)
        let plan = DescriptorPlan(
            openFileLimit: try OpenFileLimit.raiseToHard(), maxConnections: options.maxConnections,
            maxHeldFds: options.maxHeldFds)
        Log.info(
            "descriptors: files, VMs and downloads hold at most \(plan.held), connections \(plan.connections)"
        )
        let descriptors = DescriptorBudget(limit: plan.held, onExhausted: Log.budgetExhausted)
        let files = try FileStateDirectory(stateDirectory: stateDirectory, notifier: notifier)
        let memory = MemoryStore(
            hostReserveBytes: options.hostReserveBytes,
            kvm: KVMDevice(devicePath: FilePath(options.kvmDevice)), eventBacklog: options.eventBacklog,
            descriptors: descriptors, disabledBackends: options.backends.disabled, tenants: tenants,
            journal: files, onMemoryExhausted: Log.budgetExhausted)
        for line in ServedReport(memory.features).lines { Log.info(line) }
        var inherited = InheritedDescriptors.take()
        let idempotencyKeys = IdempotencyKeys()
        let restored = FileRestore.run(
            &inherited.named, files: files, memory: memory, keys: idempotencyKeys, notifier: notifier)
        if let headroom = try? memory.memoryHeadroom() {
            Log.info(
                "memory: limit \(headroom.limitBytes) bytes from \(headroom.source), reserve \(headroom.reserveBytes)"
            )
        }
        let routes = Routes(
            auth: Authenticator(adminDigest: Secret.digest(adminToken), tenants: tenants),
            memory: memory, defaultLimits: .default,
            health: HealthReport(
                memory.capabilities, features: memory.features, memory: try? memory.memoryHeadroom(),
                restart: restored),
            eventHeartbeat: .milliseconds(Int64((options.sseHeartbeat * 1000).rounded())),
            journal: files.flusher, maxJSONBytes: options.maxJsonBytes,
            streams: StreamQuota(limit: options.maxStreamsPerTenant), idempotencyKeys: idempotencyKeys)
        self.memory = memory
        self.files = files
        server = try operations.makeServer(
            options: options, routes: routes, maxConnections: plan.connections, inherited: inherited.listeners
        )
        self.options = options
        Log.info("loaded \(tenants.records.count) tenant(s) from \(stateDirectory)")
    }

    func run() throws {
        ShutdownSignals.handle { [server, operations, notifier, upgrade] number in
            if number == SIGUSR2 {
                guard upgrade.request() else { return }
                Log.info("signal \(number): upgrading to \(upgrade.binary)")
                notifier.reloading()
                server.handOver()
            } else {
                Log.info("signal \(number): shutting down")
                notifier.stopping()
                server.shutdown()
            }
            operations.shutdown()
        }
        operations.announce(server, options: options)
        operations.startMetricsServer()
        // The listeners are bound and announced: connections made from here wait in the backlog.
        notifier.ready()
        notifier.startWatchdog { [server] in server.loopsAnswered() }
        server.run()
        // No request is left to change a file: the next gmemd goes on from each consumer's newest
        // seq and each file's version rather than after their leases, from a log of whole records.
        memory.settleLeases()
        files.rewrite()
        if upgrade.wasRequested {
            upgrade.reexec(listeners: server.listenerDescriptors, files: memory.memfdDescriptors())
        }
        Log.info("stopped")
    }
}
