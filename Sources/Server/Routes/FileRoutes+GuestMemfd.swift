import GuestMem
import HTTP

/// The guest_memfd side of `/v1/files`: creation on a VM, and content, which is read through
/// the file's mapping because a guest_memfd cannot be pread or sent with sendfile(2).
extension Routes {
    /// `POST /v1/files` with backend guest_memfd: KVM_CREATE_GUEST_MEMFD on the tenant's VM. No
    /// journal keeps it, so its Idempotency-Key is kept in memory only, as the file is.
    func createGuestMemfdFile(_ body: CreateFileBody, for tenant: TenantID) throws(Problem) -> Creation {
        let flags = try (body.flags ?? FlagsBody()).guestMemfdFlags()
        try domain { () throws(GuestMemError) in try memory.features.require(flags) }
        guard let raw = body.vm else { throw .unprocessable("backend guest_memfd needs a vm") }
        guard let vm = VMID(raw) else { throw .unknownReference("vm") }
        let size = try body.requiredSize()
        let file = try domain { () throws(GuestMemError) in
            try memory.createGuestMemfdFile(
                for: tenant, name: body.name, size: size, vm: vm, flags: flags)
        }
        return Creation(Self.created(file), .file(file.id))
    }

    /// `GET /v1/files/{fid}/content` of a guest_memfd: one byte Range or the whole file, copied
    /// through the mapping (at most `MemoryStore.maxReadBytes`). Holes read as zeros: a read
    /// allocates nothing.
    func readGuestMemfdContent(_ request: Request, _ id: FileID, of tenant: TenantID) throws(Problem)
        -> Response
    {
        let size = try domain { () throws(GuestMemError) in try memory.file(id, of: tenant).size }
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/octet-stream")
        headers.add("Accept-Ranges", "bytes")
        let status: HTTPStatus
        let range: ByteRange
        switch RangeHeader(request.headers["Range"], size: size) {
        case .whole:
            status = .ok
            range = try domain { () throws(GuestMemError) in try ByteRange(offset: 0, length: size) }
        case .part(let start, let count):
            status = .partialContent
            range = try domain { () throws(GuestMemError) in try ByteRange(offset: start, length: count) }
            headers.add("Content-Range", "bytes \(start)-\(start + count - 1)/\(size)")
        case .unsatisfiable:
            var problem = Problem(.range, detail: "the file is \(size) bytes long").response
            problem.headers.add("Content-Range", "bytes */\(size)")
            return problem
        }
        let bytes = try domain { () throws(GuestMemError) in try memory.read(id, of: tenant, range: range) }
        return Response(status: status, headers: headers, body: .bytes(bytes))
    }
}
