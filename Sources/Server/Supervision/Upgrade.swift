import FoundationEssentials
import GuestMem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Live upgrade by re-exec (SIGUSR2, nginx's convention; QEMU's cpr-exec does the same for its
/// memory): gmemd stops accepting, lets the requests in flight finish within the shutdown grace,
/// and executes the binary it was started from, which may have been replaced since, in its own
/// process (the pid stays, so a service manager sees the same service). The memfds and the
/// listening sockets cross the exec as inherited descriptors, named in `$GMEMD_INHERITED_FDS`
/// (`fd=name,…`, for the pid in `$GMEMD_INHERITED_PID`); connections that arrive meanwhile wait in
/// the listeners' backlog for the new gmemd, which takes every file back under its journal record
/// (FileRestore) before it accepts.
final class Upgrade: Sendable {
    static let descriptorsVariable = "GMEMD_INHERITED_FDS"
    static let pidVariable = "GMEMD_INHERITED_PID"

    /// The binary's path as it was at start: a file put in its place later is what runs next.
    let binary: String
    private let isRequested = Atomic(false)

    init() {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        binary =
            length > 0
            ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            : CommandLine.arguments[0]
    }

    /// Asks for an upgrade; false (and nothing changes) when the binary cannot be executed now.
    func request() -> Bool {
        guard access(binary, X_OK) == 0 else {
            Log.warning(
                "SIGUSR2: \(binary) cannot be executed (\(String(cString: strerror(errno)))); not upgrading")
            return false
        }
        isRequested.store(true, ordering: .releasing)
        return true
    }

    var wasRequested: Bool { isRequested.load(ordering: .acquiring) }

    /// Executes the binary with gmemd's own arguments and environment, `listeners` and each file's
    /// memfd inherited. Returns only if the exec failed; then the process has nothing left to
    /// serve with and exits non-zero, so a service manager restarts it from its fd store.
    func reexec(listeners: [Int32], files: [(FileID, Int32)]) -> Never {
        let named = listeners.map { ($0, "listener") } + files.map { ($1, $0.rawValue) }
        for (fd, _) in named { _ = fcntl(fd, F_SETFD, 0) }
        setenv(Self.descriptorsVariable, named.map { "\($0.0)=\($0.1)" }.joined(separator: ","), 1)
        setenv(Self.pidVariable, String(getpid()), 1)
        Log.info(
            "upgrade: executing \(binary) with \(listeners.count) listener(s) and \(files.count) memfd(s)")
        LogSink.shared.flush()
        let argv = CommandLine.arguments.map { strdup($0) } + [nil]
        execv(binary, argv)
        Log.warning("upgrade: exec \(binary) failed (\(String(cString: strerror(errno)))); exiting")
        exit(1)
    }
}
