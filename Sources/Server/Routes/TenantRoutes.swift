import GuestMem
import HTTP

/// Admin routes over tenants (`/v1/tenants`) and a tenant's own `/v1/usage`.
extension Routes {
    func addTenantRoutes(to router: inout Router) {
        // Creating, changing and deleting a tenant fsync the registry: off the loops.
        router.add(.post, "/v1/tenants", Endpoint.offLoop(createTenant))
        router.add(.get, "/v1/tenants", Endpoint.onLoop(listTenants))
        router.add(.get, "/v1/tenants/{tid}", Endpoint.onLoop(getTenant))
        router.add(.patch, "/v1/tenants/{tid}", Endpoint.offLoop(updateTenant))
        router.add(.delete, "/v1/tenants/{tid}", Endpoint.offLoop(deleteTenant))
        router.add(.get, "/v1/usage", Endpoint.onLoop(usage))
    }

    private func createTenant(_ request: Request) throws(Problem) -> Response {
        try auth.requireAdmin(request)
        let body = try request.decodeJSON(CreateTenantBody.self)
        let limits = body.limits?.applied(to: defaultLimits) ?? defaultLimits
        let id = TenantID.random()
        let secret = Secret.random()
        let record = TenantRecord(
            id: id.rawValue, name: body.name, tokenDigest: Secret.digest(secret), limits: LimitsBody(limits),
            createdAt: WireTime.now())
        try domain { () throws(GuestMemError) in try memory.addTenant(id, limits: limits) }
        do {
            try tenants.insert(record)
        } catch {
            try? memory.removeTenant(id)
            throw error
        }
        var view = try view(of: record)
        view.token = "\(id.rawValue).\(secret)"
        var headers = record.etagHeaders
        headers.add("Location", "/v1/tenants/\(id.rawValue)")
        return .json(view, status: .created, headers: headers)
    }

    private func listTenants(_ request: Request) throws(Problem) -> Response {
        try auth.requireAdmin(request)
        let cursor = try request.pageCursor(TenantID.init, "tenant")
        let page = tenants.page(after: cursor?.rawValue, limit: try request.pageLimit())
        var items: [TenantView] = []
        for record in page.items { items.append(try view(of: record)) }
        return .json(Page(items: items, nextCursor: page.next))
    }

    private func getTenant(_ request: Request) throws(Problem) -> Response {
        try auth.requireAdmin(request)
        let id = try request.pathID("tid", TenantID.init, "tenant")
        guard let record = tenants.record(id) else { throw .notFound("tenant") }
        return .json(try view(of: record), headers: record.etagHeaders)
    }

    /// Merges the body's limits into the ones in force, in one hold of the registry's lock: two
    /// PATCHes at once each keep what the other set.
    private func updateTenant(_ request: Request) throws(Problem) -> Response {
        try auth.requireAdmin(request)
        let id = try request.pathID("tid", TenantID.init, "tenant")
        let body = try request.decodeJSON(UpdateTenantBody.self)
        let record = try tenants.update(id, expecting: request.ifMatchVersions()) {
            (record) throws(Problem) in
            record.limits = LimitsBody(body.limits.applied(to: record.limits.applied(to: defaultLimits)))
        } commit: { (record) throws(Problem) in
            let limits = record.limits.applied(to: defaultLimits)
            try domain { () throws(GuestMemError) in try memory.setLimits(limits, for: id) }
        }
        return .json(try view(of: record), headers: record.etagHeaders)
    }

    private func deleteTenant(_ request: Request) async throws(Problem) -> Response {
        try auth.requireAdmin(request)
        let id = try request.pathID("tid", TenantID.init, "tenant")
        try tenants.remove(id, expecting: request.ifMatchVersions())
        try domain { () throws(GuestMemError) in try memory.removeTenant(id) }
        return Response(status: .noContent)
    }

    private func usage(_ request: Request) throws(Problem) -> Response {
        let id = try auth.tenant(of: request)
        guard let record = tenants.record(id) else { throw .notFound("tenant") }
        let view = try view(of: record)
        return .json(UsageReport(limits: view.limits, usage: view.usage))
    }

    private func view(of record: TenantRecord) throws(Problem) -> TenantView {
        let usage = try domain { () throws(GuestMemError) in try memory.usage(of: record.tenantID) }
        // The limits in force: a record saved before a limit existed lacks it, and has its default.
        let limits = try domain { () throws(GuestMemError) in try memory.limits(of: record.tenantID) }
        return TenantView(
            id: record.id, name: record.name, limits: LimitsBody(limits), usage: UsageView(usage),
            createdAt: WireTime.wholeSeconds(record.createdAt))
    }
}

/// `GET /v1/usage`.
struct UsageReport: Encodable {
    var limits: LimitsBody
    var usage: UsageView
}
