package import Dispatch
import Foundation
package import Testing

/// How many times longer than on a plain build every bound in the tests is: scripts/sanitize.sh
/// sets GMEMD_TEST_TIME_SCALE because a sanitized build does the same work several times slower
/// (ThreadSanitizer 5-15×, AddressSanitizer 2-3×), so a bound that holds on a plain build would
/// fail on time alone. What a test checks stays the same; only how long it may wait grows.
package enum TimeScale {
    package static let factor: Int = {
        guard let text = ProcessInfo.processInfo.environment["GMEMD_TEST_TIME_SCALE"] else { return 1 }
        guard let factor = Int(text), factor >= 1 else {
            fatalError("GMEMD_TEST_TIME_SCALE must be a whole number of at least 1, not \(text)")
        }
        return factor
    }()
}

extension Duration {
    /// This bound, stretched by `TimeScale.factor`.
    package var scaled: Duration { self * TimeScale.factor }
}

extension TimeLimitTrait.Duration {
    /// A test's time limit, stretched by `TimeScale.factor`. Ten minutes is the least a suite
    /// takes: a test's limit runs from its start, every test of a parallel run starts at once,
    /// and each then waits its turn for one of the pool's two threads, so a limit must cover the
    /// whole run, not the test. Whole runs took 120-200 s here, 276-324 s under heavy load (where
    /// trivial tests ended 140 s after their start and five-minute tests failed on time alone).
    package static func scaledMinutes(_ minutes: Int) -> Self { .minutes(Int64(minutes * TimeScale.factor)) }
}

extension DispatchTime {
    /// `limit` (scaled) from now: the bound of a DispatchSemaphore or DispatchGroup wait.
    package static func after(_ limit: Duration) -> DispatchTime {
        .now() + .milliseconds(Int(limit.scaled / .milliseconds(1)))
    }
}
