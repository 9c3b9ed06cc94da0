/// Where a route's handler runs.
package enum Handler: Sendable {
    /// Runs on the connection's event-loop thread: for work that never blocks (no long syscall,
    /// no lock held by slow work). The cheapest path: no thread hop. The body is given as it
    /// came: a gzip body is not inflated (that is work for a worker).
    case onLoop(@Sendable (Request) -> Response)
    /// Runs as a task off the event loops: for waiting that suspends and never blocks a thread
    /// (a scrape). The connection resumes on its loop when the task answers. The body is given
    /// as it came, as for `onLoop`.
    case offLoop(@Sendable (Request) async -> Response)
    /// Decides on the loop, from the head (a token check: cheap, and before any of the body is
    /// decoded), whether to answer at once, to wait, or to run a job on a worker thread of the
    /// server's `WorkerPool` in its owner's share. A gzip body is inflated by that job, on the
    /// worker, so a request answered on the loop never costs its inflation.
    case staged(@Sendable (Request) -> Stage)
}

/// What a `staged` handler decided on the loop.
package enum Stage: Sendable {
    /// The answer, now.
    case answer(Response)
    /// Blocking work for `owner` (a tenant): runs on a worker thread with the request's body
    /// inflated, and answers through its `Reply`, then or later; refused with 503 and
    /// `Retry-After` when the owner's queue is full and `isBounded` (an operator's work waits its
    /// turn, however long its queue).
    case work(owner: String, isBounded: Bool = true, @Sendable (Request, Reply) -> Void)
    /// Waiting that suspends (a long-poll with nothing to say yet): runs as a task.
    case wait(@Sendable () async -> Response)
}
