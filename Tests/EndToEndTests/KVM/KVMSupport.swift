import Foundation
import TestSupport
import Testing

/// Shorthands of the KVM tests. Whether the host has what a test needs is the traits' question
/// (HostFeatureTraits.swift).
enum HostKVM {
    static let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
}

extension Gmemd {
    /// The instance the KVM tests share, apart from the others: they create VMs and tenants.
    static let kvm = SharedGmemd()
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
