import GuestMem
import HTTP

/// Turns a route's throwing body into an HTTP handler: a thrown `Problem` becomes its
/// problem+json response, so no route builds an error response by hand.
enum Endpoint {
    /// For routes that never block: they run on the connection's event loop.
    static func onLoop(_ body: @escaping @Sendable (Request) throws(Problem) -> Response) -> Handler {
        .onLoop { request in
            do throws(Problem) { return try body(request) } catch { return error.response }
        }
    }

    /// For routes that only wait (a scrape): a task off the loops, never blocking its thread.
    static func offLoop(_ body: @escaping @Sendable (Request) async throws(Problem) -> Response) -> Handler {
        .offLoop { request in
            do throws(Problem) { return try await body(request) } catch { return error.response }
        }
    }

    /// For routes that may block (fallocate, punch, resize, seals, content, decoding a JSON
    /// body): `caller` checks the token on the loop, before any of the body is decoded, so a
    /// request without a valid one costs no worker time; `body` then runs on a worker thread
    /// in the share of the caller `caller` names, and `deliver` sends its answer, at once or
    /// later. A bounded caller past its queue is 503.
    static func onWorker<Caller: Sendable>(
        isBounded: Bool = true,
        _ caller: @escaping @Sendable (Request) throws(Problem) -> (owner: String, Caller),
        deliver: @escaping @Sendable (Response, Reply) -> Void,
        _ body: @escaping @Sendable (Request, Caller) throws(Problem) -> Response
    ) -> Handler {
        .staged { request in
            let owner: String
            let who: Caller
            do throws(Problem) { (owner, who) = try caller(request) } catch { return .answer(error.response) }
            return .work(owner: owner, isBounded: isBounded) { request, reply in
                let response: Response
                do throws(Problem) { response = try body(request, who) } catch { response = error.response }
                deliver(response, reply)
            }
        }
    }
}

extension Routes {
    /// A tenant's route that may block: on a worker thread, in the tenant's share. Its answer
    /// is sent once the file journal's lines appended before it are flushed (`durably`).
    func tenantWork(_ body: @escaping @Sendable (Request, TenantID) throws(Problem) -> Response) -> Handler {
        Endpoint.onWorker(
            { [auth] request throws(Problem) in
                let tenant = try auth.tenant(of: request)
                return (tenant.rawValue, tenant)
            }, deliver: durably, body)
    }

    /// An admin route that may block (a tenant's journal is saved with fsync): on a worker
    /// thread, in the admin's own share. Its queue has no bound: the operator's work, deleting
    /// a tenant above all, must go through when every tenant is at its limit (the isolation
    /// issue, item 3); it waits its turn instead. Removing a tenant removes its files' records:
    /// its answer waits for their flush as tenantWork's do.
    func adminWork(_ body: @escaping @Sendable (Request) throws(Problem) -> Response) -> Handler {
        Endpoint.onWorker(
            isBounded: false,
            { [auth] request throws(Problem) in
                try auth.requireAdmin(request)
                return ("admin", ())
            }, deliver: durably
        ) { request, _ throws(Problem) in try body(request) }
    }

    /// Sends a worker route's answer once every file journal line appended before it is flushed
    /// (JournalFlusher), so a change it made outlives a crash of the machine too; a refusal waits
    /// as well, as a change may have happened before its record failed to be written. The worker
    /// does not wait: it takes its next job while the flusher holds the answer, so the changes of
    /// every connection in flight share one fdatasync.
    private var durably: @Sendable (Response, Reply) -> Void {
        { [journal] response, reply in
            guard let journal else { return reply.send(response) }
            journal.afterFlush { reply.send(response) }
        }
    }
}
