import GuestMem
import HTTP

/// `/v1/files/{fid}/consumers` and `/v1/consumers/{cid}`: attach, list, get, detach. Listing
/// and getting take no lock a fallocate holds: on the loop. Attaching may bind a memslot under the
/// file's operation lock, and detaching may delete one: off the loops.
extension Routes {
    func addConsumerRoutes(to router: inout Router) {
        router.add(.post, "/v1/files/{fid}/consumers", tenantWork(creatingOnce(attachConsumer)))
        router.add(.get, "/v1/files/{fid}/consumers", Endpoint.onLoop(listConsumers))
        router.add(.get, "/v1/consumers/{cid}", Endpoint.onLoop(getConsumer))
        router.add(.delete, "/v1/consumers/{cid}", tenantWork(detachConsumer))
        router.add(.post, "/v1/consumers/{cid}/fd", tenantWork(handOutDescriptor))
    }

    private func attachConsumer(_ request: Request, _ tenant: TenantID, _ claim: IdempotencyClaim?)
        throws(Problem) -> Creation
    {
        let id = try request.pathID("fid", FileID.init, "file")
        let asked = try request.decodeJSON(AttachConsumerBody.self).request()
        if asked.kind == .process { return try attachProcess(asked, to: id, of: tenant, request, claim) }
        let consumer = try domain { () throws(GuestMemError) in
            try memory.attach(asked, to: id, of: tenant, receipt: claim.receipt(Self.attached))
        }
        return Creation(Self.attached(consumer), .consumer(consumer.id))
    }

    /// A consumer just attached: 201, the consumer and its Location.
    static func attached(_ consumer: ConsumerSnapshot) -> Response {
        var headers = HTTPHeaders()
        headers.add("Location", "/v1/consumers/\(consumer.id.rawValue)")
        return .json(ConsumerView(consumer), status: .created, headers: headers)
    }

    private func listConsumers(_ request: Request) throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try request.pathID("fid", FileID.init, "file")
        let consumers = try domain { () throws(GuestMemError) in try memory.consumers(of: id, of: tenant) }
        return .json(Items(items: consumers.map(ConsumerView.init)))
    }

    private func getConsumer(_ request: Request) throws(Problem) -> Response {
        let tenant = try auth.tenant(of: request)
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        let consumer = try domain { () throws(GuestMemError) in try memory.consumer(id, of: tenant) }
        return .json(ConsumerView(consumer))
    }

    private func detachConsumer(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        try domain { () throws(GuestMemError) in try memory.detach(id, of: tenant) }
        return Response(status: .noContent)
    }
}
