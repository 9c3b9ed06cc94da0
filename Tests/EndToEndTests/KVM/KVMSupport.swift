import Foundation
import Testing

/// Whether this host lets gmemd use KVM, judged as gmemd judges it: /dev/kvm opens read-write
/// and answers KVM_GET_API_VERSION with 12. Where it does not, every test that needs it reports
/// itself skipped by name. To see that on a host with KVM, hide the device in a private mount
/// namespace: `unshare -m sh -c 'mount --bind /dev/null /dev/kvm && swift test --filter KVM'`.
enum HostKVM {
    static let isUsable: Bool = {
        let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // KVM_GET_API_VERSION is _IO(KVMIO, 0x00), KVMIO = 0xAE (include/uapi/linux/kvm.h).
        return ioctl(fd, 0xAE00, 0) == 12
    }()

    static let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
}

extension Gmemd {
    /// The instance the KVM tests share, apart from the others: they create VMs and tenants.
    static let kvm = SharedGmemd()
}

extension Trait where Self == ConditionTrait {
    /// Skips the test, by name and with this reason, where KVM is not usable.
    static var needsKVM: Self { .enabled(if: HostKVM.isUsable, "needs read-write /dev/kvm") }
}

/// A VM as `/v1/vms` shows it.
struct RemoteVM: Decodable, Sendable {
    var id: String
    var name: String?
    var files: [String]
    var memslots: [Memslot]
    var maxMemslots: Int

    struct Memslot: Decodable, Sendable, Equatable {
        var slot: Int
        var gpa: Int64
        var size: Int64
        var offset: Int64
        var backing: String
    }

    var path: String { "/v1/vms/\(id)" }
}

/// The guest_memfd side of a file's view.
struct GuestFileFacts: Decodable, Sendable {
    var backend: String
    var vm: String?
    var flags: [String: Bool]
}

/// The figures of `GET /v1/usage` that guest_memfd files and VMs move.
struct KVMUsage: Decodable, Equatable, Sendable {
    var allocatedBytes: Int64
    var lockedBytes: Int64
    var files: Int
    var vms: Int
}

extension Tenant {
    func kvmUsage() async throws -> KVMUsage {
        struct Report: Decodable { var usage: KVMUsage }
        return try await client.get("/v1/usage").expecting(200, "usage").decoded(Report.self).usage
    }

    func createVM(name: String? = nil) async throws -> RemoteVM {
        let body: [String: any Sendable] = name.map { ["name": $0] } ?? [:]
        return try await client.post("/v1/vms", json: body).expecting(201, "create a vm").decoded(
            RemoteVM.self)
    }

    func vm(_ id: String) async throws -> RemoteVM {
        try await client.get("/v1/vms/\(id)").expecting(200, "get vm \(id)").decoded(RemoteVM.self)
    }

    /// `POST /v1/files` with backend guest_memfd on `vm`, answered as it is.
    func postGuestMemfd(vm: String, size: Int64, flags: [String: Bool] = [:]) async throws -> HTTPReply {
        var body: [String: any Sendable] = [
            "name": "guest", "size": size, "backend": "guest_memfd", "vm": vm,
        ]
        if !flags.isEmpty { body["flags"] = flags }
        return try await client.post("/v1/files", json: body)
    }

    /// A guest_memfd of `size` bytes on `vm`; the kernel must accept it.
    func createGuestMemfd(vm: String, size: Int64 = 16 * HostKVM.page, flags: [String: Bool] = [:])
        async throws -> RemoteFile
    {
        try RemoteFile(
            await postGuestMemfd(vm: vm, size: size, flags: flags), status: 201, "create a guest_memfd")
    }
}

extension HTTPReply {
    /// Checks that this is a problem with `status` and `errno`, recording what came instead.
    func expectProblem(
        _ status: Int, _ errno: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(self.status == status, "body: \(text)", sourceLocation: sourceLocation)
        #expect(problem?.errno == errno, "body: \(text)", sourceLocation: sourceLocation)
    }
}
