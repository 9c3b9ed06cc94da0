import GuestMem
import HTTP

/// `/v1/files/{fid}/seals`: read, and add (seals are never removed).
extension Routes {
    func addSealRoutes(to router: inout Router) {
        router.add(.get, "/v1/files/{fid}/seals", Endpoint.onLoop(getSeals))
        router.add(.post, "/v1/files/{fid}/seals", tenantWork(addSeals))
    }

    private func getSeals(_ request: Request) throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try request.pathID("fid", FileID.init, "file")
        let file = try domain { () throws(GuestMemError) in try memory.file(id, of: tenant) }
        return .json(SealsView(seals: SealNames.names(file.seals)), headers: file.etagHeaders)
    }

    private func addSeals(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("fid", FileID.init, "file")
        let seals = try SealNames.set(request.decodeJSON(AddSealsBody.self).seals)
        let file = try domain { () throws(GuestMemError) in
            try memory.addSeals(seals, to: id, of: tenant, expecting: request.ifMatchVersions())
        }
        return .json(SealsView(seals: SealNames.names(file.seals)), headers: file.etagHeaders)
    }
}
