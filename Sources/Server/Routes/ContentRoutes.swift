import GuestMem
import HTTP

/// `/v1/files/{fid}/content`: the file's bytes. GET and HEAD honour a single byte Range and
/// are sent with sendfile(2) from a dup of the memfd, so a large file never sits in memory.
extension Routes {
    func addContentRoutes(to router: inout Router) {
        router.add(.get, Self.contentRoute, tenantWork(readContent))
        router.add(.put, Self.contentRoute, tenantWork(writeContent))
    }

    private func readContent(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("fid", FileID.init, "file")
        if memory.isGuestMemfd(id, of: tenant) { return try readGuestMemfdContent(request, id, of: tenant) }
        // Taken before the fd, so a refused download costs no descriptor.
        let ticket = try streams.ticket(for: tenant)
        let content: ContentLease
        do throws(GuestMemError) {
            content = ContentLease(try memory.openContent(id, of: tenant))
        } catch {
            throw Problem(error)
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/octet-stream")
        headers.add("Accept-Ranges", "bytes")
        let size = content.size
        let status: HTTPStatus
        let offset: Int64
        let length: Int64
        switch RangeHeader(request.headers["Range"], size: size) {
        case .whole:
            (status, offset, length) = (.ok, 0, size)
        case .part(let start, let count):
            (status, offset, length) = (.partialContent, start, count)
            headers.add("Content-Range", "bytes \(start)-\(start + count - 1)/\(size)")
        case .unsatisfiable:
            content.release()
            var problem = Problem(.range, detail: "the file is \(size) bytes long").response
            problem.headers.add("Content-Range", "bytes */\(size)")
            return problem
        }
        let region = FileRegion(fd: content.fd, offset: offset, length: length) {
            content.release()
            ticket.release()
        }
        return Response(status: status, headers: headers, body: .file(region))
    }

    private func writeContent(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("fid", FileID.init, "file")
        var offset: Int64 = 0
        if let text = request.queryValue("offset") {
            guard let value = Int64(text) else { throw .unprocessable("offset must be an integer") }
            guard value >= 0 else { throw .unprocessable("offset must not be negative") }
            offset = value
        }
        let result = try domain { () throws(GuestMemError) in
            try memory.write(
                id, of: tenant, offset: offset, bytes: request.body, expecting: request.ifMatchVersions())
        }
        return .json(WriteView(written: result.written, size: result.size), headers: result.etagHeaders)
    }
}
