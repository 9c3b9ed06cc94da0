import GuestMem
import HTTP

/// Everything a route needs, and the table of routes. Each subject's routes live in their own
/// file as an extension that adds them to the router.
struct Routes: Sendable {
    let auth: Authenticator
    let memory: MemoryStore
    let defaultLimits: TenantLimits
    let health: HealthReport
    /// How often an idle event stream sends a `: keep-alive` comment.
    var eventHeartbeat: Duration = .seconds(15)
    /// Flushes the file journal; every answer of a worker's route waits for it (`tenantWork`).
    var journal: JournalFlusher?
    /// The largest JSON body any route takes (`--max-json-bytes`); content uploads alone may
    /// be as large as `--max-body-bytes`.
    var maxJSONBytes = 1 << 20
    /// Event streams, long-polls and downloads each tenant may have open (`--max-streams-per-tenant`).
    var streams = StreamQuota(limit: 64)
    /// Idempotency-Key requests under way, and the answers kept for their retries (with those a
    /// restart found in the file journal).
    var idempotencyKeys = IdempotencyKeys()

    func router() -> Router {
        var router = Router()
        addHealthRoutes(to: &router)
        addTenantRoutes(to: &router)
        addFileRoutes(to: &router)
        addSealRoutes(to: &router)
        addFallocateRoutes(to: &router)
        addContentRoutes(to: &router)
        addConsumerRoutes(to: &router)
        addEventRoutes(to: &router)
        addPinRoutes(to: &router)
        addVMRoutes(to: &router)
        return router
    }
}

extension Request {
    /// A `limit` query parameter for listings: 1…1000, default 100.
    func pageLimit() throws(Problem) -> Int {
        guard let text = queryValue("limit") else { return 100 }
        guard let limit = Int(text), (1...1000).contains(limit) else {
            throw .unprocessable("limit must be an integer from 1 to 1000")
        }
        return limit
    }

    /// A boolean query parameter such as `?cascade=true`: absent is false.
    func flag(_ name: String) throws(Problem) -> Bool {
        switch queryValue(name) {
        case nil, "false": return false
        case "true": return true
        default: throw .unprocessable("\(name) must be true or false")
        }
    }

    /// The `cursor` query parameter of a listing: the `next_cursor` of the page before, an id.
    /// Absent or empty, the first page (openapi.yaml's Cursor); anything else is 422.
    func pageCursor<ID>(_ parse: (String) -> ID?, _ what: String) throws(Problem) -> ID? {
        guard let raw = queryValue("cursor"), !raw.isEmpty else { return nil }
        guard let id = parse(raw) else { throw .unprocessable("cursor is not a \(what) id from a listing") }
        return id
    }

    /// The path parameter `name`, parsed as an id; a malformed id is 404 like an unknown one,
    /// so ids cannot be probed by their shape.
    func pathID<ID>(_ name: String, _ parse: (String) -> ID?, _ what: String) throws(Problem) -> ID {
        guard let raw = pathParameters[name], let id = parse(raw) else { throw .notFound(what) }
        return id
    }
}
