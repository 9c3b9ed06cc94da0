import GuestMem
import HTTP
import SystemPackage

/// Descriptors over the Unix socket (SCM_RIGHTS): a process consumer's file descriptor goes out
/// with its response, an adopted memfd comes in with its request. Over TCP or TLS these requests
/// are 422: only a Unix-domain connection can carry a descriptor.
extension Routes {
    /// `POST /v1/files/{fid}/consumers` with kind process: 201, the consumer, and one descriptor
    /// (which a replay does not bring).
    func attachProcess(
        _ asked: ConsumerRequest, to id: FileID, of tenant: TenantID, _ request: Request,
        _ claim: IdempotencyClaim?
    ) throws(Problem) -> Creation {
        try Self.requireUnixListener(request)
        let (consumer, fd) = try domain { () throws(GuestMemError) in
            try memory.attachProcess(asked, to: id, of: tenant, receipt: claim.receipt(Self.attached))
        }
        return Creation(Self.handing(fd, Self.attached(consumer)), .consumer(consumer.id))
    }

    /// `POST /v1/consumers/{cid}/fd`: 200, the consumer, and another descriptor.
    func handOutDescriptor(_ request: Request, _ tenant: TenantID) throws(Problem) -> Response {
        let id = try request.pathID("cid", ConsumerID.init, "consumer")
        try Self.requireUnixListener(request)
        let (consumer, fd) = try domain { () throws(GuestMemError) in
            try memory.handOutDescriptor(id, of: tenant)
        }
        return Self.handing(fd, .json(ConsumerView(consumer)))
    }

    /// `POST /v1/files` with `adopt`: the one memfd the request brought becomes a file.
    func adoptFile(
        _ body: CreateFileBody, _ request: Request, for tenant: TenantID, _ claim: IdempotencyClaim?
    ) throws(Problem) -> Creation {
        try Self.requireUnixListener(request)
        guard body.size == nil, body.backend == nil, body.vm == nil, body.flags == nil else {
            throw .unprocessable(
                "an adopted memfd brings its own size, backend and flags: give only name and adopt")
        }
        let fds = request.descriptors?.take() ?? []
        guard fds.count == 1 else {
            PassedDescriptors(fds).close()
            throw .unprocessable(
                "adopt takes exactly one memfd descriptor, sent with the request as SCM_RIGHTS; it brought \(fds.count)"
            )
        }
        let file = try domain { () throws(GuestMemError) in
            try memory.adoptFile(
                for: tenant, name: body.name, descriptor: FileDescriptor(rawValue: fds[0]),
                receipt: claim.receipt(Self.created))
        }
        return Creation(Self.created(file), .file(file.id))
    }

    static func requireUnixListener(_ request: Request) throws(Problem) {
        guard request.listener == .unix else {
            throw .unprocessable(
                "file descriptors travel only over the Unix-domain socket (--unix), as SCM_RIGHTS; "
                    + "this request came over \(request.listener == .tls ? "TLS" : "TCP")")
        }
    }

    /// `response` with `fd` attached; the server closes gmemd's copy once it is sent.
    private static func handing(_ fd: FileDescriptor, _ response: Response) -> Response {
        var response = response
        response.descriptors = PassedDescriptors([fd.rawValue])
        return response
    }
}
