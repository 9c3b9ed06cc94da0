/// What an `HTTPServer`'s own budgets hold at one moment: read at each metrics scrape.
package struct ServerLoad: Sendable {
    /// Connections open, over every listener.
    package var openConnections: Int
    /// The regular places (`ServerConfiguration.maxConnections`).
    package var connectionsLimit: Int
    /// Of those open, connections in the places kept past `maxConnections` for the admin.
    package var reservedConnections: Int
    /// The places kept past `maxConnections` (`ServerConfiguration.reservedConnections`).
    package var reservedConnectionsLimit: Int
    /// Bytes the request bodies in flight hold (read, kept by handlers, gzip-inflated).
    package var bodyBytes: Int
    /// The body budget (`ServerConfiguration.bodyMemoryBytes`).
    package var bodyBytesLimit: Int
    /// Bodies refused with 503 since start because the budget was out.
    package var bodyRefusals: Int
    /// What the worker threads are doing, and what they refused.
    package var workers: WorkerStatistics
}
