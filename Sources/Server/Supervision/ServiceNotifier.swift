import FoundationEssentials
import HTTP
import Posix
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// gmemd's side of the sd_notify protocol (sd_notify(3)): when a service manager set
/// `$NOTIFY_SOCKET`, it hears `READY=1` once gmemd serves, `STOPPING=1` when it shuts down, and
/// `WATCHDOG=1` every half of `$WATCHDOG_USEC`, so that a hung gmemd is restarted. Without the
/// variable every call does nothing. A failed send is logged and never stops gmemd: the manager
/// is an observer, not a dependency.
final class ServiceNotifier: Sendable {
    private let socket: UnixDatagramSocket?
    /// Half the manager's watchdog timeout, as sd_watchdog_enabled(3) advises; nil for none.
    let watchdogInterval: Duration?

    init(environment: [String: String]) {
        if let address = environment["NOTIFY_SOCKET"], !address.isEmpty {
            do {
                socket = try UnixDatagramSocket(address: address)
            } catch {
                Log.warning(
                    "NOTIFY_SOCKET \(address): cannot connect (\(error.symbol)); the service manager hears nothing"
                )
                socket = nil
            }
        } else {
            socket = nil
        }
        watchdogInterval = Self.watchdogInterval(environment, socket: socket)
    }

    /// `$WATCHDOG_USEC`, when it is for this process (`$WATCHDOG_PID` absent or ours).
    private static func watchdogInterval(_ environment: [String: String], socket: UnixDatagramSocket?)
        -> Duration?
    {
        guard socket != nil, let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0
        else { return nil }
        if let pid = environment["WATCHDOG_PID"], pid != String(getpid()) { return nil }
        return .microseconds(Int64(clamping: usec / 2))
    }

    func ready() { send("READY=1\nSTATUS=serving") }

    func stopping() { send("STOPPING=1\nSTATUS=shutting down") }

    /// The upgrade (SIGUSR2) has begun: the new process says READY=1 again when it serves.
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)\nSTATUS=upgrading")
    }

    /// Whether a service manager listens: only then do memfds go to its fd store.
    var isSupervised: Bool { socket != nil }

    /// Hands `descriptor` to the manager's fd store under `name` (`FDSTORE=1`): the manager keeps
    /// its own copy across gmemd's restarts and passes it back at the next start
    /// (InheritedDescriptors). The caller keeps `descriptor`. Unlike the other messages, a failure
    /// is the caller's to handle: a memfd the store did not take would not survive a crash.
    /// Returns once the manager has handled it (`BARRIER=1`, sd_notify_barrier(3)): a manager
    /// that reads a datagram only after its sender died may not know whose it was (systemd
    /// attributes it by the sender's pid) and drop the descriptor, and the create it answers for
    /// would then be lost to a crash right after its 201.
    func store(_ descriptor: Int32, name: String) throws(Errno) {
        guard let socket else { return }
        try socket.send(Array("FDSTORE=1\nFDNAME=\(name)".utf8), descriptors: [descriptor])
        try socket.sendAwaitingReceipt(Array("BARRIER=1".utf8))
    }

    /// Drops what the store keeps under `name` (`FDSTOREREMOVE=1`).
    func removeStored(name: String) { send("FDSTOREREMOVE=1\nFDNAME=\(name)") }

    /// Sends `WATCHDOG=1` every `watchdogInterval` on a thread of its own for the process's life,
    /// each time `isAlive` says gmemd's event loops turned since the time before: a gmemd whose
    /// loops hang stops feeding the watchdog, and its manager restarts it.
    func startWatchdog(isAlive: @escaping @Sendable () -> Bool) {
        guard let watchdogInterval else { return }
        LoopThread.detach { [self] in
            while true {
                LoopThread.sleep(for: watchdogInterval)
                if isAlive() {
                    send("WATCHDOG=1")
                } else {
                    Log.warning(
                        "watchdog: an event loop did not turn for \(watchdogInterval); WATCHDOG=1 withheld")
                }
            }
        }
    }

    private func send(_ message: String) {
        guard let socket else { return }
        do {
            try socket.send(Array(message.utf8))
        } catch {
            Log.warning("NOTIFY_SOCKET: \(message.prefix { $0 != "\n" }) not sent (\(error.symbol))")
        }
    }
}
