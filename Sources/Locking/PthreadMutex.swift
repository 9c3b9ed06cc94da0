#if canImport(Glibc)
    import Glibc
#endif

/// A value guarded by a `pthread_mutex_t`: `Synchronization.Mutex`'s `withLock`, on a lock that
/// ThreadSanitizer sees. On Linux the stdlib's Mutex waits in futex(2) calls TSan does not
/// intercept, so a TSan run took every access it guards for a race (454 false reports in one
/// suite run); TSan intercepts `pthread_mutex_lock` and `pthread_mutex_unlock`. Uncontended, a
/// take and release costs about 10 ns of CPU here against Mutex's 5.5 (README, "Sanitizers"):
/// nothing a request notices beside its syscalls, so gmemd has this one lock, sanitized or not,
/// and a plain `swift test --sanitize=thread` checks the very locks gmemd runs with.
///
/// Not copyable, as Mutex is not. The lock and the value live in memory of their own, allocated
/// once, because a `pthread_mutex_t` must never move (POSIX: a copy is not a mutex).
package struct PthreadMutex<Value: ~Copyable>: ~Copyable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline let value: UnsafeMutablePointer<Value>

    /// The corresponding C call is `pthread_mutex_init`.
    package init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        // A default mutex's init cannot fail on Linux (glibc returns 0 always).
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` with the value, the lock held; `body` must not take this lock again (a default
    /// mutex deadlocks). The corresponding C calls are `pthread_mutex_lock` and `_unlock`.
    @inlinable
    package borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        lock()
        defer { unlock() }
        return try body(&value.pointee)
    }

    // Out of line: inlinable code may not call Glibc, which this module imports internally.
    // pthread_mutex_lock and _unlock return an error only for a mutex type that checks
    // (errorcheck, robust); a default one does not.
    @usableFromInline func lock() { pthread_mutex_lock(mutex) }
    @usableFromInline func unlock() { pthread_mutex_unlock(mutex) }
}

/// Sendable for any value, as `Mutex` is: the value is reached only inside `withLock`, and
/// `sending` moves it in and out whole.
extension PthreadMutex: @unchecked Sendable where Value: ~Copyable {}
