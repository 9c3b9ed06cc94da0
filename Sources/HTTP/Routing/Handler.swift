/// Where a route's handler runs.
package enum Handler: Sendable {
    /// Runs on the connection's event-loop thread: for work that never blocks (no long syscall,
    /// no lock held by slow work). The cheapest path: no thread hop.
    case onLoop(@Sendable (Request) -> Response)
    /// Runs as a task off the event loops: for anything that may take long (fallocate of
    /// gigabytes, long-poll waits). The connection resumes on its loop when the task answers;
    /// other connections are served meanwhile.
    case offLoop(@Sendable (Request) async -> Response)
}
