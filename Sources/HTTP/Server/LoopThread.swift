import Glibc

/// A POSIX thread that runs one closure: an event loop, or a worker of the `WorkerPool`, needs a
/// thread of its own for its whole life, which Swift concurrency's cooperative pool must not
/// give away.
package struct LoopThread {
    private let thread: pthread_t

    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new thread. The corresponding C call is `pthread_create`.
    package static func start(_ body: @escaping @Sendable () -> Void) -> LoopThread {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { context in
                // SAFETY: `context` is the Body retained just above, released exactly here.
                let body = Unmanaged<Body>.fromOpaque(context!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        // EAGAIN (no thread could be made) at start-up leaves nothing sensible to serve with.
        precondition(result == 0, "pthread_create failed: \(result)")
        return LoopThread(thread: thread)
    }

    /// Waits for the thread to end. The corresponding C call is `pthread_join`.
    func join() {
        pthread_join(thread, nil)
    }

    /// Starts `body` on a thread nobody joins: it runs for the process's life, or lets its
    /// resources go when it returns. The corresponding C call is `pthread_detach`.
    package static func detach(_ body: @escaping @Sendable () -> Void) {
        pthread_detach(start(body).thread)
    }

    /// Suspends the calling thread for `duration`, a signal's interruption included.
    /// The corresponding C call is `nanosleep`.
    package static func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
    }
}
