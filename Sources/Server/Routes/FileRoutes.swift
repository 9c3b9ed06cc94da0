import GuestMem
import HTTP

/// `/v1/files`: create, list, get, resize, delete. A file's operation lock is held across its
/// syscalls, which can take seconds, so whatever takes it (create, resize, delete) runs off the
/// loops; reads take only the file's state lock, never held across a blocking call, and answer on
/// the loop.
extension Routes {
    func addFileRoutes(to router: inout Router) {
        router.add(.post, "/v1/files", tenantWork(creatingOnce(createFile)))
        router.add(.get, "/v1/files", Endpoint.onLoop(listFiles))
        router.add(.get, "/v1/files/{fid}", Endpoint.onLoop(getFile))
        router.add(.patch, "/v1/files/{fid}", tenantWork(resizeFile))
        router.add(.delete, "/v1/files/{fid}", tenantWork(deleteFile))
    }

    private func createFile(_ request: Request, _ tenant: TenantID, _ claim: IdempotencyClaim?)
        throws(Problem) -> Creation
    {
        let body = try request.decodeJSON(CreateFileBody.self)
        if body.adopt { return try adoptFile(body, request, for: tenant, claim) }
        switch Backend(wireName: body.backend ?? Backend.memfd.wireName) {
        case .memfd: break
        case .guestMemfd: return try createGuestMemfdFile(body, for: tenant)
        case nil: throw .unprocessable("backend must be memfd or guest_memfd")
        }
        if body.vm != nil { throw .unprocessable("vm applies to backend guest_memfd only") }
        let flags = try (body.flags ?? FlagsBody()).memfdFlags()
        let size = try body.requiredSize()
        let file = try domain { () throws(GuestMemError) in
            try memory.createFile(
                for: tenant, name: body.name, size: size, flags: flags, receipt: claim.receipt(Self.created))
        }
        return Creation(Self.created(file), .file(file.id))
    }

    /// A new file's answer: 201, the file, its ETag and Location.
    static func created(_ file: FileSnapshot) -> Response {
        var headers = file.etagHeaders
        headers.add("Location", "/v1/files/\(file.id.rawValue)")
        return .json(FileView(file), status: .created, headers: headers)
    }

    private func listFiles(_ request: Request) throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let limit = try request.pageLimit()
        let cursor = try request.pageCursor(FileID.init, "file")
        let page = try domain { () throws(GuestMemError) in
            try memory.files(of: tenant, after: cursor, limit: limit)
        }
        return .json(Page(items: page.items.map(FileView.init), nextCursor: page.next?.rawValue))
    }

    private func getFile(_ request: Request) throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try request.pathID("fid", FileID.init, "file")
        let file = try domain { () throws(GuestMemError) in try memory.file(id, of: tenant) }
        return .json(FileView(file), headers: file.etagHeaders)
    }

    private func resizeFile(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("fid", FileID.init, "file")
        let size = try request.decodeJSON(ResizeFileBody.self).validSize()
        let file = try domain { () throws(GuestMemError) in
            try memory.resize(id, of: tenant, to: size, expecting: request.ifMatchVersions())
        }
        return .json(FileView(file), headers: file.etagHeaders)
    }

    private func deleteFile(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("fid", FileID.init, "file")
        let force = try request.flag("force")
        try domain { () throws(GuestMemError) in
            try memory.deleteFile(id, of: tenant, expecting: request.ifMatchVersions(), force: force)
        }
        return Response(status: .noContent)
    }
}
