import FoundationEssentials
import HTTP

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM (stop), and SIGUSR2 (upgrade), taken synchronously: blocked in every thread from the first line of
/// main (threads inherit the mask), and collected by one thread with sigwait(2). A signal
/// that arrives at any moment after `block()` stays pending until that thread takes it, so
/// none is lost between start-up and the "listening on" line (a DispatchSource, armed
/// asynchronously, lost about half of the SIGTERMs sent right after start).
enum ShutdownSignals {
    private static func set() -> sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGUSR2)
        return signals
    }

    /// Call first in main, before any thread exists.
    static func block() {
        var signals = set()
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Calls `body` with each SIGINT, SIGTERM or SIGUSR2, on a thread of its own, for the process's life.
    static func handle(_ body: @escaping @Sendable (Int32) -> Void) {
        LoopThread.detach {
            var signals = set()
            while true {
                var number: Int32 = 0
                if sigwait(&signals, &number) == 0 { body(number) }
            }
        }
    }
}
