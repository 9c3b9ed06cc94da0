import GuestMem
import HTTP

/// `/v1/vms`: the KVM VMs gmemd holds for a tenant. Off the loops: deleting a VM closes its
/// guest_memfd files, and that frees their memory (120–180 ms per GiB).
extension Routes {
    func addVMRoutes(to router: inout Router) {
        router.add(.post, "/v1/vms", Endpoint.offLoop(createVM))
        router.add(.get, "/v1/vms", Endpoint.offLoop(listVMs))
        router.add(.get, "/v1/vms/{vmid}", Endpoint.offLoop(getVM))
        router.add(.delete, "/v1/vms/{vmid}", Endpoint.offLoop(deleteVM))
    }

    private func createVM(_ request: Request) async throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let body = request.body.isEmpty ? CreateVMBody() : try request.decodeJSON(CreateVMBody.self)
        let vm = try domain { () throws(GuestMemError) in try memory.createVM(for: tenant, name: body.name) }
        var headers = HTTPHeaders()
        headers.add("Location", "/v1/vms/\(vm.id.rawValue)")
        return .json(VMView(vm), status: .created, headers: headers)
    }

    private func listVMs(_ request: Request) async throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let limit = try request.pageLimit()
        let cursor = try request.pageCursor(VMID.init, "vm")
        let page = try domain { () throws(GuestMemError) in
            try memory.vms(of: tenant, after: cursor, limit: limit)
        }
        return .json(Page(items: page.items.map(VMView.init), nextCursor: page.next?.rawValue))
    }

    private func getVM(_ request: Request) async throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try vmID(request)
        return .json(VMView(try domain { () throws(GuestMemError) in try memory.vm(id, of: tenant) }))
    }

    private func deleteVM(_ request: Request) async throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try vmID(request)
        let cascade = try request.flag("cascade")
        try domain { () throws(GuestMemError) in try memory.deleteVM(id, of: tenant, cascade: cascade) }
        return Response(status: .noContent)
    }

    /// The `{vmid}` of the path. Where KVM is unavailable that is said first: no VM can exist,
    /// and 404 would hide why.
    private func vmID(_ request: Request) throws(Problem) -> VMID {
        try domain { () throws(GuestMemError) in try memory.features.require(.vms) }
        return try request.pathID("vmid", VMID.init, "vm")
    }
}
