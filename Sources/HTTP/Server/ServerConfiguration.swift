/// Everything the HTTP server can be told at start. Defaults are the documented flag defaults.
package struct ServerConfiguration: Sendable {
    /// Address to listen on; port 0 picks a free port (see `HTTPServer.boundPort`).
    package var host = "127.0.0.1"
    package var port = 8080
    /// Whether to listen on `host:port` at all; false serves only `unixSocket`.
    package var servesTCP = true
    /// A Unix-domain socket to listen on as well (plain HTTP: its file mode is the access control).
    package var unixSocket: UnixSocketAddress?
    /// Serves the TCP listener as HTTPS with this context.
    package var tls: TLSContext?
    /// Event-loop threads; 0 means one per core.
    package var threads = 0
    /// Request line over this → 414.
    package var maxRequestLineBytes = 8 * 1024
    /// Header block over this → 431.
    package var maxHeaderBytes = 16 * 1024
    /// Body (Content-Length, or de-chunked total) over this → 413.
    package var maxBodyBytes = 64 * 1024 * 1024
    /// All request bodies in flight together (read, held by handlers, gzip-inflated) over this
    /// → 503 with `Retry-After`. At least `maxBodyBytes`, or the largest bodies could never come.
    package var bodyMemoryBytes = 256 * 1024 * 1024
    /// A keep-alive connection with no request in progress is closed after this. A new
    /// connection gets `headerTimeout` for its first request instead.
    package var idleTimeout: Duration = .seconds(60)
    /// A request's head must be complete this long after its first byte (slow-header defence).
    package var headerTimeout: Duration = .seconds(10)
    /// A request's body must keep arriving: no more than this between two reads of it.
    package var bodyTimeout: Duration = .seconds(30)
    /// Connections beyond this get one of `reservedConnections`, where only what `reserveJudge`
    /// accepts is served (any other request: 503); when those are taken too, the oldest silent holder
    /// of one on the accepting loop is closed to make way, or with none the newcomer.
    package var maxConnections = 10_000
    /// Places past `maxConnections` kept for requests `reserveJudge` accepts.
    package var reservedConnections = 16
    /// Judges each request on a reserved connection; nil serves none there.
    package var reserveJudge: ReserveJudge?
    /// On shutdown, in-flight requests get this long to finish.
    package var shutdownGrace: Duration = .seconds(10)
    /// Response bodies of at least this many bytes are gzip-coded for clients that accept it;
    /// nil never codes. Request bodies in gzip are decoded either way, up to `maxBodyBytes`.
    package var gzipMinimumBytes: Int? = 1024
    /// zlib level 1–9 for response bodies.
    package var gzipLevel = 1
    /// Worker threads for blocking work (`Handler.staged`); 0: twice the cores, at least 4.
    package var workerThreads = 0
    /// Most jobs of one owner running at once; 0: half the worker threads, at least 1.
    package var workerShare = 0
    /// Most jobs of one owner waiting for a worker thread; one more is 503.
    package var workerQueueDepth = 64
    /// How much lower than the event loops the worker threads run (a nice increment, 0–19).
    package var workerNiceness: Int32 = 0
    /// Judges a head whose body is still to come, before the body is read; nil admits every one.
    package var headJudge: HeadJudge?
    /// Told of every answered request, on the loop's thread (logs, metrics); nil costs nothing.
    package var requestObserver: RequestObserver?
    /// Told, on whichever thread, when a budget runs out (connections, descriptors to accept
    /// with): once per episode, not per refused client.
    package var exhaustionObserver: (@Sendable (String) -> Void)?

    /// Listening sockets the process was started with (socket activation, or the gmemd it
    /// replaced: SIGUSR2): one of TCP's family serves as the TCP listener, a Unix one bound at
    /// `unixSocket`'s path as that listener, instead of binding anew; the rest are closed.
    package var inheritedListeners: [Int32] = []

    package init() {}

    /// `workerThreads` and `workerShare` with their defaults worked out for `cores`.
    package func workerPlan(cores: Int) -> (threads: Int, share: Int) {
        let threads = workerThreads > 0 ? workerThreads : max(4, 2 * cores)
        let share = workerShare > 0 ? min(workerShare, threads) : max(1, threads / 2)
        return (threads, share)
    }
}

/// A Unix-domain socket's path and the mode its file gets (e.g. 0o660: owner and group).
package struct UnixSocketAddress: Sendable {
    package var path: String
    package var mode: UInt32
    package init(path: String, mode: UInt32 = 0o660) { (self.path, self.mode) = (path, mode) }
}
