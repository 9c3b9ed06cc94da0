import GuestMem
import HTTP

/// `POST /v1/files/{fid}/fallocate`: allocate or punch a hole, answered with the file.
extension Routes {
    func addFallocateRoutes(to router: inout Router) {
        router.add(.post, "/v1/files/{fid}/fallocate", tenantWork(fallocate))
    }

    private func fallocate(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("fid", FileID.init, "file")
        let body = try request.decodeJSON(FallocateBody.self)
        let mode = try body.fallocateMode()
        let file = try domain { () throws(GuestMemError) in
            let range = try ByteRange(offset: body.offset, length: body.length)
            return try memory.fallocate(
                id, of: tenant, mode: mode, range: range, expecting: request.ifMatchVersions())
        }
        return .json(FileView(file), headers: file.etagHeaders)
    }
}
