/// Jobs waiting for a worker thread, shared fairly among their owners (a tenant, say): at most
/// `share` jobs of one owner run at once, at most `depth` of its jobs wait (unless the owner is
/// one no refusal may reach, the admin who must be able to delete a tenant), and owners take
/// turns one job at a time, so a long queue of one owner never delays another's job by more
/// than one job per owner ahead of it. No I/O and no lock: `WorkerPool` holds it under its own.
///
/// An owner is in `turns` exactly when it has a job waiting and fewer than `share` running.
struct FairQueue<Job> {
    /// Most jobs of one owner running at once.
    let share: Int
    /// Most jobs of one owner waiting; one more is refused.
    let depth: Int

    private struct Owner {
        var waiting: [Job] = []
        var running = 0
    }

    private var owners: [String: Owner] = [:]
    /// Owners whose next job may start, in the order they get their turn.
    private var turns: [String] = []
    private(set) var running = 0
    private(set) var waiting = 0
    /// Jobs refused because their owner's queue was full, since the start.
    private(set) var refused = 0
    /// Jobs handed to a worker, since the start.
    private(set) var started = 0

    init(share: Int, depth: Int) {
        // A job waits in the queue until a worker takes it, even for an idle worker: depth 0 would refuse all.
        precondition(share > 0 && depth > 0, "a worker share and a queue depth of at least 1")
        (self.share, self.depth) = (share, depth)
    }

    /// Queues `job` for `owner`; false (and counted as refused) when the owner already has
    /// `depth` jobs waiting and `isBounded`.
    mutating func enqueue(_ job: Job, owner: String, isBounded: Bool = true) -> Bool {
        var entry = owners[owner, default: Owner()]
        guard !isBounded || entry.waiting.count < depth else {
            refused += 1
            return false
        }
        entry.waiting.append(job)
        waiting += 1
        if entry.waiting.count == 1, entry.running < share { turns.append(owner) }
        owners[owner] = entry
        return true
    }

    /// The job whose turn it is, now counted as running; nil when no owner may start one.
    mutating func next() -> (owner: String, job: Job)? {
        guard !turns.isEmpty else { return nil }
        let owner = turns.removeFirst()
        // An owner in `turns` has an entry with a job waiting (the invariant above).
        var entry = owners[owner]!
        let job = entry.waiting.removeFirst()
        entry.running += 1
        if !entry.waiting.isEmpty, entry.running < share { turns.append(owner) }
        owners[owner] = entry
        (waiting, running, started) = (waiting - 1, running + 1, started + 1)
        return (owner, job)
    }

    /// A job of `owner` that `next()` gave out has ended: its owner may start another.
    mutating func finish(owner: String) {
        guard var entry = owners[owner], entry.running > 0 else { return }
        entry.running -= 1
        running -= 1
        if entry.running == 0, entry.waiting.isEmpty {
            owners[owner] = nil
            return
        }
        // At its share it was out of `turns`; now it has room again.
        if entry.running == share - 1, !entry.waiting.isEmpty { turns.append(owner) }
        owners[owner] = entry
    }

    /// Jobs waiting per owner, for metrics; owners with none are left out.
    var waitingByOwner: [String: Int] {
        owners.compactMapValues { $0.waiting.isEmpty ? nil : $0.waiting.count }
    }

    /// Takes every waiting job out, never to run (the server is stopping).
    mutating func removeWaiting() -> [Job] {
        let jobs = owners.values.flatMap(\.waiting)
        for key in owners.keys { owners[key]?.waiting = [] }
        owners = owners.filter { $0.value.running > 0 }
        turns = []
        waiting = 0
        return jobs
    }
}
