// What PthreadMutex costs against Synchronization.Mutex, optimised: uncontended, in the thread's
// CPU time (CLOCK_THREAD_CPUTIME_ID, so other processes on a loaded machine do not count), the
// best of 7 trials; then two threads on one lock, wall time (noisy on a shared machine).
//   swiftc -O -package-name gmemd -module-name LockCost Sources/Locking/PthreadMutex.swift \
//       scripts/lock-cost/main.swift -o /tmp/lock-cost && /tmp/lock-cost
import Foundation
import Synchronization

func cpuNanoseconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) * 1e9 + Double(t.tv_nsec)
}

final class Box: Sendable {
    let mutex = Mutex<Int>(0)
    let pthread = PthreadMutex<Int>(0)
}

@inline(never) func mutexLoop(_ box: Box, _ n: Int) { for _ in 0..<n { box.mutex.withLock { $0 &+= 1 } } }
@inline(never) func pthreadLoop(_ box: Box, _ n: Int) { for _ in 0..<n { box.pthread.withLock { $0 &+= 1 } } }

func best(_ n: Int, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<7 {
        let start = cpuNanoseconds()
        body()
        best = min(best, (cpuNanoseconds() - start) / Double(n))
    }
    return best
}

let box = Box()
let n = 5_000_000
print(
    String(
        format: "uncontended, best of 7, CPU ns per withLock: Mutex %.2f, PthreadMutex %.2f",
        best(n) { mutexLoop(box, n) }, best(n) { pthreadLoop(box, n) }))
for (name, loop) in [("Mutex", mutexLoop), ("PthreadMutex", pthreadLoop)]
    as [(String, @Sendable (Box, Int) -> Void)]
{
    let start = ContinuousClock.now
    DispatchQueue.concurrentPerform(iterations: 2) { _ in loop(box, n / 5) }
    print("two threads, \(2 * n / 5) withLocks, wall: \(name) \(ContinuousClock.now - start)")
}
precondition(box.mutex.withLock { $0 } == box.pthread.withLock { $0 })
