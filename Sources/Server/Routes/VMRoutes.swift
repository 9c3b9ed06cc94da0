import GuestMem
import HTTP

/// `/v1/vms`: the KVM VMs gmemd holds for a tenant. On worker threads: deleting a VM closes its
/// guest_memfd files, and that frees their memory (120–180 ms per GiB); even reading one takes
/// the VM's lock, which a memslot binding holds while it waits for a file's operation lock
/// (LockOrder), so a GET could wait behind a fallocate.
extension Routes {
    func addVMRoutes(to router: inout Router) {
        router.add(.post, "/v1/vms", tenantWork(creatingOnce(createVM)))
        router.add(.get, "/v1/vms", tenantWork(listVMs))
        router.add(.get, "/v1/vms/{vmid}", tenantWork(getVM))
        router.add(.delete, "/v1/vms/{vmid}", tenantWork(deleteVM))
    }

    /// A VM ends with gmemd, and so does its Idempotency-Key: after a restart the key is unknown
    /// and a retry makes a new VM (README).
    private func createVM(_ request: Request, _ tenant: TenantID, _: IdempotencyClaim?) throws(Problem)
        -> Creation
    {
        let body = request.body.isEmpty ? CreateVMBody() : try request.decodeJSON(CreateVMBody.self)
        let vm = try domain { () throws(GuestMemError) in try memory.createVM(for: tenant, name: body.name) }
        var headers = HTTPHeaders()
        headers.add("Location", "/v1/vms/\(vm.id.rawValue)")
        return Creation(.json(VMView(vm), status: .created, headers: headers), .vm(vm.id))
    }

    private func listVMs(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let limit = try request.pageLimit()
        let cursor = try request.pageCursor(VMID.init, "vm")
        let page = try domain { () throws(GuestMemError) in
            try memory.vms(of: tenant, after: cursor, limit: limit)
        }
        return .json(Page(items: page.items.map(VMView.init), nextCursor: page.next?.rawValue))
    }

    private func getVM(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try vmID(request)
        return .json(VMView(try domain { () throws(GuestMemError) in try memory.vm(id, of: tenant) }))
    }

    private func deleteVM(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
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
