/// Checks `condition` until it holds; throws `timedOut` naming `what` when `limit` (scaled) has passed
/// without it. For state that another thread or process changes in its own time (a reader that
/// starts waiting, a stream the server notices is gone). It pauses between checks instead of
/// spinning: a spinning task holds one of the two cooperative threads the server may need.
package func until(
    _ what: String, within limit: Duration = .seconds(20), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit.scaled
    while try await !condition() {
        guard ContinuousClock.now < deadline else {
            throw EndToEndError.timedOut("\(what) within \(limit.scaled)")
        }
        try await Task.sleep(for: .milliseconds(2))
    }
}
