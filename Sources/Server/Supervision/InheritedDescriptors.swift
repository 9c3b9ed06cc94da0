import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#endif

/// Descriptors gmemd was started with by the sd_listen_fds(3) convention: `$LISTEN_FDS` of them
/// from fd 3 on, for the process `$LISTEN_PID`, named by the colon-separated `$LISTEN_FDNAMES`.
/// A service manager passes its fd store back this way (memfds named by their file id) and its
/// sockets (socket activation); gmemd's own re-exec (SIGUSR2) does the same. Taken once: the
/// variables are cleared so no child inherits them, and each descriptor is made close-on-exec.
struct InheritedDescriptors {
    static let first: Int32 = 3

    /// Listening sockets, to serve on.
    var listeners: [Int32] = []
    /// Every other descriptor by its name; descriptors named alike after the first are closed.
    var named: [String: Int32] = [:]

    static func take() -> InheritedDescriptors {
        let environment = ProcessInfo.processInfo.environment
        let variables = [
            "LISTEN_FDS", "LISTEN_FDNAMES", "LISTEN_PID", Upgrade.descriptorsVariable, Upgrade.pidVariable,
        ]
        defer { for name in variables { unsetenv(name) } }
        var taken = InheritedDescriptors()
        if let pid = environment["LISTEN_PID"].flatMap({ pid_t($0) }), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap({ Int32($0) }), count > 0
        {
            let names = (environment["LISTEN_FDNAMES"] ?? "").split(
                separator: ":", omittingEmptySubsequences: false)
            for index in 0..<count {
                // systemd names a descriptor without a name "unknown".
                let name = Int(index) < names.count ? String(names[Int(index)]) : "unknown"
                taken.add(first + index, name: name)
            }
        }
        // gmemd's own re-exec (Upgrade): `fd=name` pairs, the descriptors where they were.
        if let pid = environment[Upgrade.pidVariable].flatMap({ pid_t($0) }), pid == getpid() {
            for pair in (environment[Upgrade.descriptorsVariable] ?? "").split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let fd = Int32(parts[0]) else { continue }
                taken.add(fd, name: String(parts[1]))
            }
        }
        return taken
    }

    private mutating func add(_ fd: Int32, name: String) {
        guard fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 else { return }
        if Self.isListeningSocket(fd) {
            listeners.append(fd)
        } else if named[name] == nil {
            named[name] = fd
        } else {
            close(fd)
        }
    }

    /// SO_ACCEPTCONN: a socket that listen(2) was called on.
    private static func isListeningSocket(_ fd: Int32) -> Bool {
        var accepting: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0
    }
}
