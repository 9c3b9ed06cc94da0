import GuestMem
import HTTP

/// Admin routes over tenants (`/v1/tenants`) and a tenant's own `/v1/usage`.
extension Routes {
    func addTenantRoutes(to router: inout Router) {
        // Creating, changing and deleting a tenant fsync the registry: off the loops.
        router.add(.post, "/v1/tenants", adminWork(createTenant))
        router.add(.get, "/v1/tenants", Endpoint.onLoop(listTenants))
        router.add(.get, "/v1/tenants/{tid}", Endpoint.onLoop(getTenant))
        router.add(.patch, "/v1/tenants/{tid}", adminWork(updateTenant))
        router.add(.delete, "/v1/tenants/{tid}", adminWork(deleteTenant))
        router.add(.get, "/v1/usage", Endpoint.onLoop(usage))
    }

    /// One call to the tenant directory, which saves the tenant before anyone can use it. With
    /// an Idempotency-Key, the answer is saved with the tenant, in the same write: a retry after
    /// a crash between that write and the 201 gets the tenant and its token, not a second tenant.
    private func createTenant(_ request: Request) throws(Problem) -> Response {
        try creatingOnce(request, by: .admin, receipts: memory.tenants.receipt) {
            claim throws(Problem) in
            let body = try request.decodeJSON(CreateTenantBody.self)
            let secret = Secret.random()
            var record = TenantRecord(
                id: .random(), name: body.name, credentialDigest: Secret.digest(secret),
                limits: body.limits?.applied(to: defaultLimits) ?? defaultLimits, createdAt: .now())
            // A new tenant has used nothing yet: its answer is known before it is saved.
            var view = view(of: record, usage: TenantUsage())
            view.token = "\(record.id.rawValue).\(secret)"
            var headers = record.etagHeaders
            headers.add("Location", "/v1/tenants/\(record.id.rawValue)")
            let response = Response.json(view, status: .created, headers: headers)
            record.receipt = claim?.receipt(of: response)
            try domain { () throws(GuestMemError) in try memory.createTenant(record) }
            return Creation(response, nil)
        }
    }

    private func listTenants(_ request: Request) throws(Problem) -> Response {
        try auth.requireAdmin(request)
        let cursor = try request.pageCursor(TenantID.init, "tenant")
        let page = memory.tenants.page(after: cursor, limit: try request.pageLimit())
        var items: [TenantView] = []
        for record in page.records {
            let usage = try domain { () throws(GuestMemError) in try memory.usageIfPresent(of: record.id) }
            if let usage { items.append(view(of: record, usage: usage)) }
        }
        return .json(Page(items: items, nextCursor: page.next?.rawValue))
    }

    private func getTenant(_ request: Request) throws(Problem) -> Response {
        try auth.requireAdmin(request)
        let id = try request.pathID("tid", TenantID.init, "tenant")
        guard let record = memory.tenants.record(of: id) else { throw .notFound("tenant") }
        return .json(try view(of: record), headers: record.etagHeaders)
    }

    /// Merges the body's limits into the ones in force, in one hold of the directory's change
    /// lock: two PATCHes at once each keep what the other set.
    private func updateTenant(_ request: Request) throws(Problem) -> Response {
        let id = try request.pathID("tid", TenantID.init, "tenant")
        let body = try request.decodeJSON(UpdateTenantBody.self)
        let record = try domain { () throws(GuestMemError) in
            try memory.tenants.updateLimits(of: id, expecting: request.ifMatchVersions()) {
                body.limits.applied(to: $0)
            }
        }
        return .json(try view(of: record), headers: record.etagHeaders)
    }

    private func deleteTenant(_ request: Request) throws(Problem) -> Response {
        let id = try request.pathID("tid", TenantID.init, "tenant")
        let versions = request.ifMatchVersions()
        try domain { () throws(GuestMemError) in try memory.removeTenant(id, expecting: versions) }
        return Response(status: .noContent)
    }

    private func usage(_ request: Request) throws(Problem) -> Response {
        let id = try auth.tenant(of: request)
        guard let record = memory.tenants.record(of: id) else { throw .notFound("tenant") }
        let usage = try domain { () throws(GuestMemError) in try memory.usage(of: id) }
        return .json(UsageReport(limits: LimitsBody(record.limits), usage: UsageView(usage)))
    }

    private func view(of record: TenantRecord) throws(Problem) -> TenantView {
        view(of: record, usage: try domain { () throws(GuestMemError) in try memory.usage(of: record.id) })
    }

    private func view(of record: TenantRecord, usage: TenantUsage) -> TenantView {
        TenantView(
            id: record.id.rawValue, name: record.name, limits: LimitsBody(record.limits),
            usage: UsageView(usage), createdAt: WireTime.string(record.createdAt))
    }
}

/// `GET /v1/usage`.
struct UsageReport: Encodable {
    var limits: LimitsBody
    var usage: UsageView
}
