import GuestMem
import HTTP

/// `/v1/consumers/{cid}/pins` (get_lock_pfn, put_unlock_pfn) and `/v1/files/{fid}/dirty`.
/// Pinning may allocate under the file's operation lock: off the loops. Listing and getting pins
/// take only the consumer's small lock: on the loop. Unpinning and reading (maybe clearing) the
/// dirty log take only the file's state lock but change its journal record, whose flush their
/// answer waits for: on a worker (Routes.tenantWork).
extension Routes {
    func addPinRoutes(to router: inout Router) {
        router.add(.post, "/v1/consumers/{cid}/pins", tenantWork(creatingOnce(pin)))
        router.add(.get, "/v1/consumers/{cid}/pins", Endpoint.onLoop(listPins))
        router.add(.get, "/v1/consumers/{cid}/pins/{pid}", Endpoint.onLoop(getPin))
        router.add(.delete, "/v1/consumers/{cid}/pins/{pid}", tenantWork(unpin))
        router.add(.get, "/v1/files/{fid}/dirty", tenantWork(dirtyLog))
    }

    private func pin(_ request: Request, _ tenant: TenantID, _ claim: IdempotencyClaim?) throws(Problem)
        -> Creation
    {
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        let body = try request.decodeJSON(PinBody.self)
        let pin = try domain { () throws(GuestMemError) in
            let range = try ByteRange(offset: body.offset, length: body.length)
            return try memory.pin(
                range, allocate: body.allocate ?? false, for: id, of: tenant,
                receipt: claim.receipt(Self.pinned))
        }
        return Creation(Self.pinned(pin), .pin(pin.id, of: id))
    }

    /// A pin just made: 201, the pin and its Location.
    static func pinned(_ pin: PinSnapshot) -> Response {
        var headers = HTTPHeaders()
        headers.add("Location", "/v1/consumers/\(pin.consumerID.rawValue)/pins/\(pin.id.rawValue)")
        return .json(PinView(pin), status: .created, headers: headers)
    }

    private func listPins(_ request: Request) throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        let pins = try domain { () throws(GuestMemError) in try memory.pins(of: id, of: tenant) }
        return .json(Items(items: pins.map(PinView.init)))
    }

    private func getPin(_ request: Request) throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        let pinID = try request.pathID("pid", PinID.init, "pin")
        let pin = try domain { () throws(GuestMemError) in try memory.pin(pinID, of: id, of: tenant) }
        return .json(PinView(pin))
    }

    private func unpin(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        let pinID = try request.pathID("pid", PinID.init, "pin")
        try domain { () throws(GuestMemError) in try memory.unpin(pinID, of: id, of: tenant) }
        return Response(status: .noContent)
    }

    private func dirtyLog(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("fid", FileID.init, "file")
        let clear = try request.flag("clear")
        let log = try domain { () throws(GuestMemError) in
            try memory.dirtyLog(of: id, of: tenant, clear: clear)
        }
        return .json(DirtyLogView(log))
    }
}
