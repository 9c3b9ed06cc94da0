import Glibc
import HTTP
import Locking
import Synchronization

/// Requests by route pattern, method and status (`gmemd_http_requests_total`) and their latency
/// (`gmemd_http_request_duration_seconds`, by route and method), recorded on the event loops.
///
/// Not swift-prometheus's Counter and Histogram, measured: the observer runs once per request
/// at ~100k requests/s, and there the handles' lookup and the histogram's own lock (taken by
/// every loop for the same route) cost ~0.6 µs of a ~5 µs request. Here a request costs a probe
/// of a small thread-local cache and three relaxed atomic adds on a stripe no other loop writes:
/// each label set's counts are striped, one stripe per loop thread, each its own allocation (so
/// its own cache lines), and summed when scraped.
final class RequestMetrics: Sendable {
    static let requestsTotal = "gmemd_http_requests_total"
    static let durationSeconds = "gmemd_http_request_duration_seconds"
    /// Upper bounds of the latency buckets, in nanoseconds (from 100 µs: most requests are
    /// answered well under a millisecond); a last, implicit bucket takes the rest (+Inf).
    static let bucketBounds: [Int] = [
        100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 50_000_000, 100_000_000,
        500_000_000, 1_000_000_000, 5_000_000_000,
    ]

    let stripeCount: Int
    private let series = PthreadMutex<[SeriesKey: Series]>([:])
    private let nextStripe = Atomic<Int>(0)
    /// The pthread key of each thread's `SeriesCache`; the thread's exit releases it.
    private let cacheKey: pthread_key_t

    init(stripes: Int) {
        stripeCount = max(1, stripes)
        var key = pthread_key_t()
        // EAGAIN (the process is out of keys) at start-up leaves no way to keep metrics cheap.
        precondition(
            pthread_key_create(&key) { Unmanaged<SeriesCache>.fromOpaque($0!).release() } == 0,
            "pthread_key_create failed")
        cacheKey = key
    }

    func record(_ request: CompletedRequest) {
        let cache = threadCache()
        let key = SeriesKey(
            route: request.route ?? "unmatched", method: request.method?.rawValue ?? "-",
            status: request.status)
        let stripe = cache.stripe(for: key) ?? cache.add(key, series(key).stripes[cache.stripe])
        let (seconds, attoseconds) = request.duration.components
        stripe.add(nanoseconds: Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
    }

    /// Every label set's sums, for the exposition.
    func totals() -> [(SeriesKey, Stripe.Totals)] {
        series.withLock { series in series.map { ($0.key, $0.value.totals()) } }
    }

    /// The series of `key`, made on first use; all threads share it.
    private func series(_ key: SeriesKey) -> Series {
        series.withLock { series in
            if let found = series[key] { return found }
            let made = Series(stripes: stripeCount)
            series[key] = made
            return made
        }
    }

    /// The calling thread's cache, and its stripe. The corresponding C calls are
    /// `pthread_getspecific` and `pthread_setspecific`.
    private func threadCache() -> SeriesCache {
        if let raw = pthread_getspecific(cacheKey) {
            return Unmanaged<SeriesCache>.fromOpaque(raw).takeUnretainedValue()
        }
        let cache = SeriesCache(stripe: nextStripe.wrappingAdd(1, ordering: .relaxed).oldValue % stripeCount)
        pthread_setspecific(cacheKey, Unmanaged.passRetained(cache).toOpaque())
        return cache
    }
}

/// A label set of the request metrics.
struct SeriesKey: Hashable, Sendable {
    var route: String
    var method: String
    var status: Int
}

/// One label set's counts, in stripes.
final class Series: Sendable {
    let stripes: [Stripe]

    init(stripes: Int) { self.stripes = (0..<stripes).map { _ in Stripe() } }

    func totals() -> Stripe.Totals {
        stripes.reduce(into: Stripe.Totals()) { sum, stripe in sum.add(stripe) }
    }
}

/// One stripe of a series: written by one loop thread, read by scrapes.
final class Stripe: Sendable {
    let count = Atomic<Int>(0)
    let sumNanoseconds = Atomic<Int>(0)
    /// Per bucket, not cumulative: `buckets[i]` counts durations in (bound[i-1], bound[i]], the
    /// last one those above every bound.
    let buckets: InlineArray<13, Atomic<Int>> = InlineArray { _ in Atomic(0) }

    func add(nanoseconds: Int) {
        var index = 0
        let bounds = RequestMetrics.bucketBounds
        // SAFETY: bounds has 12 entries and buckets 13, so index ≤ 12 is in bounds.
        while index < bounds.count, nanoseconds > bounds[index] { index += 1 }
        buckets[index].wrappingAdd(1, ordering: .relaxed)
        sumNanoseconds.wrappingAdd(nanoseconds, ordering: .relaxed)
        count.wrappingAdd(1, ordering: .relaxed)
    }

    struct Totals {
        var count = 0
        var sumNanoseconds = 0
        var buckets = [Int](repeating: 0, count: 13)

        mutating func add(_ stripe: Stripe) {
            count += stripe.count.load(ordering: .relaxed)
            sumNanoseconds += stripe.sumNanoseconds.load(ordering: .relaxed)
            for index in buckets.indices { buckets[index] += stripe.buckets[index].load(ordering: .relaxed) }
        }

        mutating func add(_ other: Totals) {
            count += other.count
            sumNanoseconds += other.sumNanoseconds
            for index in buckets.indices { buckets[index] += other.buckets[index] }
        }
    }
}

/// One thread's stripes by label set: a direct-mapped cache of 64 slots, probed with a cheap
/// index rather than a hash (SipHash over two strings cost more than the rest of the recording).
/// A miss, or a slot two label sets fight over, falls back to the shared map. Used only by the
/// thread that owns it.
private final class SeriesCache {
    let stripe: Int
    private var slots: [(key: SeriesKey, stripe: Stripe)?] = Array(repeating: nil, count: 64)

    init(stripe: Int) { self.stripe = stripe }

    func stripe(for key: SeriesKey) -> Stripe? {
        // SAFETY: slot(of:) is masked to 0..<64, the slots' count.
        guard let entry = slots[Self.slot(of: key)], entry.key == key else { return nil }
        return entry.stripe
    }

    func add(_ key: SeriesKey, _ stripe: Stripe) -> Stripe {
        slots[Self.slot(of: key)] = (key, stripe)
        return stripe
    }

    private static func slot(of key: SeriesKey) -> Int {
        let route = key.route.utf8
        let last = Int(route.last ?? 0)
        let middle = route.isEmpty ? 0 : Int(route[route.index(route.startIndex, offsetBy: route.count / 2)])
        return (key.status &* 7 &+ route.count &* 31 &+ last &* 17 &+ middle &+ key.method.utf8.count &* 5)
            & 63
    }
}
