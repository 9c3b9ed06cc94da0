/// What the server's owner says of a request's head before its body is read.
package enum HeadVerdict: Sendable {
    /// Read the body, then route the request.
    case admit
    /// Read a body of at most `bytes` (less than the server's `maxBodyBytes`), then route the
    /// request. A chunked body is 413 as soon as it passes them, and the connection closes with
    /// the rest unread: a body no route takes costs its limit, not its size.
    case admitUpTo(Int)
    /// Answer with this (a 401, say) and close: the body is never read or kept.
    case refuse(Response)
}

/// Judges the head of a request whose body is still to come, on the loop; `route` is the
/// pattern the router matched (`/v1/files/{fid}`). It must not block. HTTP knows nothing of
/// what it checks (tokens, say): it only keeps a refused request from costing its body.
package typealias HeadJudge = @Sendable (_ head: Request, _ route: String) -> HeadVerdict

/// Whether a request may be served on a connection in a reserved place (past `maxConnections`),
/// judged from its head on the loop; it must not block. gmemd serves the admin there, so that
/// deleting a tenant works when every other place is taken.
package typealias ReserveJudge = @Sendable (_ head: Request) -> Bool
