package import Foundation
import Locking

/// The gmemd processes and state directories this test run started. Swift Testing has no
/// end-of-run hook, so an `atexit` handler kills what is left: the shared instance, and any
/// throw-away instance whose test failed before stopping it.
package enum Leftovers {
    private static let started = PthreadMutex<[Int32: String]>([:])
    private static let hook: Void = { atexit { Leftovers.cleanUp() } }()

    package static func register(pid: Int32, stateDirectory: URL) {
        hook
        started.withLock { $0[pid] = stateDirectory.path }
    }

    package static func forget(pid: Int32) {
        if let directory = started.withLock({ $0.removeValue(forKey: pid) }) {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    private static func cleanUp() {
        for (pid, directory) in started.withLock({ $0 }) {
            kill(pid, SIGKILL)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
