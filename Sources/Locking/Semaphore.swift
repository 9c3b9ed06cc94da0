#if canImport(Glibc)
    import Glibc
#endif

/// A POSIX counting semaphore: a thread of gmemd's own (a worker, the journal flusher) sleeps on
/// it until another thread says there is work. A `signal()` before the `wait()` is not lost: it
/// is counted. `@unchecked Sendable`: sem_t is made to be waited on and posted from any thread;
/// the pointer never moves and lives as long as the object.
package final class Semaphore: @unchecked Sendable {
    private let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    package init() {
        // Fails only for a value past SEM_VALUE_MAX; 0 is not.
        precondition(sem_init(semaphore, 0, 0) == 0, "sem_init failed")
    }

    deinit {
        sem_destroy(semaphore)
        semaphore.deallocate()
    }

    /// The corresponding C call is `sem_post`.
    package func signal() { sem_post(semaphore) }

    /// Waits for a `signal()`; a signal interrupting the wait (EINTR) waits again.
    /// The corresponding C call is `sem_wait`.
    package func wait() {
        while sem_wait(semaphore) != 0, errno == EINTR {}
    }
}
