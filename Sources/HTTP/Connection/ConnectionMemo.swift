import Locking

/// What the server's owner keeps about one connection from one request to the next; HTTP only
/// carries it, and never looks inside. gmemd keeps there the credential a request proved, so
/// that the connection's next request sending the very same bytes is not checked the long way
/// (a SHA-256 and its strings were 12% of a GET's CPU at 64 connections). It lives as long as its
/// connection, and no other connection ever sees it. A lock guards it, held only to read or swap
/// a reference: a handler may run on the loop, a worker thread or a task.
package final class ConnectionMemo: Sendable {
    private let slot = PthreadMutex<(any AnyObject & Sendable)?>(nil)

    package init() {}

    /// What was kept last, or nil.
    package func recall() -> (any AnyObject & Sendable)? { slot.withLock { $0 } }

    /// Keeps `value` in place of what was kept before.
    package func keep(_ value: any AnyObject & Sendable) { slot.withLock { $0 = value } }
}
