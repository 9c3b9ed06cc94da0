package import Foundation

/// How a child process ended.
package struct Termination: Sendable, Equatable {
    package var exitedNormally: Bool
    /// The exit code, or the signal number when `exitedNormally` is false.
    package var status: Int32

    package init(exitedNormally: Bool, status: Int32) {
        (self.exitedNormally, self.status) = (exitedNormally, status)
    }
}

/// A child started with posix_spawn(3) rather than Foundation's `Process`: the test runner's
/// threads block almost every signal, and `Process` passes that mask on, so a gmemd started with
/// it would never see the SIGTERM its tests send. Here the child starts as a shell would start
/// it: no signal blocked, every signal at its default action.
package final class ChildProcess: Sendable {
    package let pid: pid_t
    private let exit = OneShot<Termination>()

    /// Starts `tool` (looked up on PATH) with `arguments`, stdin from /dev/null, and stdout and
    /// stderr on the given descriptors, which the caller still owns and may close once this returns.
    package init(_ tool: String, _ arguments: [String], stdout: Int32, stderr: Int32) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([tool] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let result = posix_spawnp(&pid, tool, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw EndToEndError.commandFailed("posix_spawnp \(tool): \(String(cString: strerror(result)))")
        }
        self.pid = pid
        Thread.detachNewThread { [exit, pid] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            // WIFEXITED/WEXITSTATUS/WTERMSIG are macros Swift cannot import; these are their definitions.
            let signal = status & 0x7f
            exit.fulfil(
                .success(
                    Termination(
                        exitedNormally: signal == 0, status: signal == 0 ? (status >> 8) & 0xff : signal)))
        }
    }

    package func send(_ signal: Int32) { kill(pid, signal) }

    /// How the child ended, or a timeout error if it is still running after `limit`.
    package func termination(within limit: Duration) async throws -> Termination {
        try await exit.value(within: limit, "pid \(pid) to exit")
    }
}
