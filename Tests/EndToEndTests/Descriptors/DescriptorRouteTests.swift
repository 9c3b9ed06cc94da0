import Foundation
import Glibc
import TestSupport
import Testing

/// Memory that leaves gmemd: process consumers receive the file's descriptor over the Unix
/// socket (Python's socket.recv_fds), memfds made elsewhere are adopted, and gmemd's own
/// descriptors come back to their count whatever clients do.
@Suite(.timeLimit(.scaledMinutes(10)))
struct DescriptorRouteTests {
    static let path = temporarySocketPath()
    static let gmemd = SharedGmemd(flags: ["--unix", path])
    static let json = ["-H", "Content-Type: application/json"]

    @Test func readWriteExportMapsWritesAndSealsAndSaysWhatWasHandedOut() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant)
        _ = try await gmemd.curl(
            "/v1/files/\(file)/content?offset=0", tenant + ["-X", "PUT", "--data-binary", "from gmemd"])

        let out = try await FDProbe.run(
            "export", unix: Self.path, tenant: tenant, [file, "read_write", "65536"])

        #expect(out["status"] as? Int == 201)
        #expect(out["fd_count"] as? Int == 1)
        #expect(out["first_bytes"] as? String == "from gmemd")
        #expect(out["map_write_errno"] as? Int == 0)
        #expect(out["add_seals_errno"] as? Int == 0)
        let consumer = try #require(out["consumer"] as? [String: Any])
        #expect(consumer["kind"] as? String == "process")
        #expect((consumer["fd"] as? [String: Any])?["access"] as? String == "read_write")
        #expect((consumer["fd"] as? [String: Any])?["handed_out"] as? Int == 1)
        #expect(out["again_status"] as? Int == 200)
        #expect(out["again_fd_count"] as? Int == 1)
        #expect(
            ((out["again_consumer"] as? [String: Any])?["fd"] as? [String: Any])?["handed_out"] as? Int == 2)
        // What the receiver wrote through its mapping is the file's content; its seal is the file's.
        let read = try await gmemd.curl(
            "/v1/files/\(file)/content", tenant + ["-H", "Range: bytes=4096-4108"])
        #expect(read.reply.text == "from receiver")
        let seals = try await gmemd.curl("/v1/files/\(file)/seals", tenant).reply
        #expect((seals.json?["seals"] as? [String])?.contains("grow") == true)
    }

    @Test func readOnlyExportCannotBeMappedWritableNorSealed() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant)
        _ = try await gmemd.curl(
            "/v1/files/\(file)/content?offset=0", tenant + ["-X", "PUT", "--data-binary", "read me"])

        let out = try await FDProbe.run(
            "export", unix: Self.path, tenant: tenant, [file, "read_only", "65536"])

        #expect(out["status"] as? Int == 201)
        #expect(out["fd_count"] as? Int == 1)
        #expect(out["first_bytes"] as? String == "read me")
        #expect(out["map_write_errno"] as? Int == Int(EACCES))
        #expect(out["add_seals_errno"] as? Int == Int(EPERM))
        let consumer = try #require(out["consumer"] as? [String: Any])
        #expect((consumer["fd"] as? [String: Any])?["access"] as? String == "read_only")
    }

    @Test func processConsumerOverTCPIs422AndOverCurlsUnixSocketGetsItsJSON() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant)
        let before = try await gmemd.curl("/v1/usage", tenant).reply.json?["usage"] as? [String: Any]

        let overTCP = try await gmemd.post("/v1/files/\(file)/consumers", tenant, #"{"kind":"process"}"#)
        let overUnix = try await gmemd.post(
            "/v1/files/\(file)/consumers", tenant, #"{"kind":"process","access":"read_only"}"#,
            unix: Self.path)

        #expect(overTCP.status == 422)
        #expect(overTCP.problem?.detail.contains("Unix-domain socket") == true)
        #expect(overUnix.status == 201, "\(overUnix.text)")
        #expect(overUnix.json?["kind"] as? String == "process")
        let cid = try #require(overUnix.json?["id"] as? String)
        let again = try await gmemd.curl("/v1/consumers/\(cid)/fd", tenant + ["-X", "POST"]).reply
        #expect(again.status == 422)
        let after = try await gmemd.curl("/v1/usage", tenant).reply.json?["usage"] as? [String: Any]
        // The refused one attached nothing; curl's one did.
        #expect((after?["consumers"] as? Int) == (before?["consumers"] as? Int ?? -1) + 1)
    }

    @Test(
        arguments: [
            (#"{"name":"g","size":65536,"flags":{"inaccessible":true}}"#, nil),
            (#"{"name":"n","size":65536}"#, "no_new_consumers"),
        ] as [(String, String?)])
    func inaccessibleOrClosedFilesExportNothing(create: String, seal: String?) async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant, body: create)
        if let seal {
            #expect(
                try await gmemd.post("/v1/files/\(file)/seals", tenant, #"{"seals":["\#(seal)"]}"#).status
                    == 200)
        }

        let out = try await FDProbe.run(
            "attach", unix: Self.path, tenant: tenant, [file, #"{"kind":"process"}"#])

        #expect(out["status"] as? Int == 409)
        #expect((out["json"] as? [String: Any])?["errno"] as? String == "EPERM")
        #expect(out["fd_count"] as? Int == 0)
        let consumers = try await gmemd.curl("/v1/files/\(file)/consumers", tenant).reply
        #expect((consumers.json?["items"] as? [Any])?.isEmpty == true)
    }

    @Test func exportedFileCannotTakeTheInaccessibleSeal() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant, size: 0)
        _ = try await FDProbe.run("attach", unix: Self.path, tenant: tenant, [file, #"{"kind":"process"}"#])

        let sealed = try await gmemd.post("/v1/files/\(file)/seals", tenant, #"{"seals":["inaccessible"]}"#)

        #expect(sealed.status == 409)
        #expect(sealed.problem?.errno == "EBUSY")
    }

    @Test func processConsumerPinsHearsInvalidateAndCountsAgainstMaxConsumers() async throws {
        let gmemd = try await Self.gmemd.running()
        let created = try await gmemd.post(
            "/v1/tenants", try gmemd.adminHeader, #"{"name":"one","limits":{"max_consumers":1}}"#)
        let tenant = ["-H", "Authorization: Bearer \(created.json?["token"] as? String ?? "")"]
        let file = try await gmemd.newFile(tenant)
        let first = try await FDProbe.run(
            "attach", unix: Self.path, tenant: tenant, [file, #"{"kind":"process"}"#])
        let second = try await FDProbe.run(
            "attach", unix: Self.path, tenant: tenant, [file, #"{"kind":"process"}"#])
        let cid = try #require((first["json"] as? [String: Any])?["id"] as? String)

        _ = try await gmemd.post(
            "/v1/files/\(file)/fallocate", tenant, #"{"mode":"allocate","offset":0,"length":8192}"#)
        let pin = try await gmemd.post("/v1/consumers/\(cid)/pins", tenant, #"{"offset":0,"length":4096}"#)
        _ = try await gmemd.post(
            "/v1/files/\(file)/fallocate", tenant, #"{"mode":"punch_hole","offset":0,"length":4096}"#)

        #expect(pin.status == 201, "\(pin.text)")
        let pinID = try #require(pin.json?["id"] as? String)
        // The punch revoked it, as it does any consumer's.
        let unpin = try await gmemd.curl("/v1/consumers/\(cid)/pins/\(pinID)", tenant + ["-X", "DELETE"])
            .reply
        #expect(unpin.status == 410)
        #expect(first["status"] as? Int == 201)
        #expect(second["status"] as? Int != 201)
        #expect(second["fd_count"] as? Int == 0)
        let events = try await gmemd.curl("/v1/consumers/\(cid)/events?after=0", tenant).reply
        let types = (events.json?["events"] as? [[String: Any]])?.compactMap { $0["type"] as? String }
        #expect(types == ["allocate", "invalidate"])
    }

    @Test func receiverThatGrowsAllocatesAndSealsIsReportedAndAccounted() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant)

        let out = try await FDProbe.run("behind-back", unix: Self.path, tenant: tenant, [file])

        let seen = try #require(out["file"] as? [String: Any])
        #expect(seen["size"] as? Int == 1 << 20)
        #expect(seen["allocated_bytes"] as? Int == 512 << 10)
        #expect((seen["seals"] as? [String])?.contains("grow") == true)
        let usage = (out["usage"] as? [String: Any])?["usage"] as? [String: Any]
        #expect(usage?["allocated_bytes"] as? Int == 512 << 10)
        // gmemd's own calls meet the receiver's seal as the kernel's EPERM.
        let grow = try await gmemd.curl(
            "/v1/files/\(file)", tenant + Self.json + ["-X", "PATCH", "--data-binary", #"{"size":2097152}"#]
        ).reply
        #expect(grow.status == 409)
        #expect(grow.problem?.errno == "EPERM")
    }

    @Test func deleteWithAReceiverAttachedIsEBUSYAndForcePunchesTheMemoryFirst() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant)

        let out = try await FDProbe.run("force-delete", unix: Self.path, tenant: tenant, [file])

        let plain = try #require(out["plain"] as? [String: Any])
        #expect(plain["status"] as? Int == 409)
        #expect((plain["json"] as? [String: Any])?["errno"] as? String == "EBUSY")
        #expect(out["forced_status"] as? Int == 204)
        // The receiver still maps the file: it reads zeros, and nobody is charged for it.
        #expect(out["mapped_after"] as? String == "0000000000")
        let usage = (out["usage"] as? [String: Any])?["usage"] as? [String: Any]
        #expect(usage?["allocated_bytes"] as? Int == 0)
        #expect(usage?["files"] as? Int == 0)
        let events = ((out["events"] as? [String: Any])?["events"] as? [[String: Any]])?.compactMap {
            $0["type"] as? String
        }
        #expect(events?.suffix(2) == ["invalidate", "detached"])
    }

    @Test func adoptedMemfdIsAccountedSealablePunchableAndReadable() async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header

        let out = try await FDProbe.run(
            "adopt", unix: Self.path, tenant: tenant, ["vmm-ram", "adopted bytes", "1048576"])

        #expect(out["status"] as? Int == 201, "\(out)")
        let adopted = try #require(out["json"] as? [String: Any])
        let file = try #require(adopted["id"] as? String)
        #expect(adopted["size"] as? Int == 1 << 20)
        #expect(adopted["allocated_bytes"] as? Int == 1 << 20)
        #expect(adopted["name"] as? String == "vmm-ram")
        let usage = try await gmemd.curl("/v1/usage", tenant).reply.json?["usage"] as? [String: Any]
        #expect(usage?["allocated_bytes"] as? Int == 1 << 20)
        #expect(usage?["files"] as? Int == 1)
        let read = try await gmemd.curl("/v1/files/\(file)/content", tenant + ["-H", "Range: bytes=0-12"])
            .reply
        #expect(read.text == "adopted bytes")
        let sealed = try await gmemd.post("/v1/files/\(file)/seals", tenant, #"{"seals":["shrink"]}"#)
        #expect((sealed.json?["seals"] as? [String])?.contains("shrink") == true)
        let punched = try await gmemd.post(
            "/v1/files/\(file)/fallocate", tenant, #"{"mode":"punch_hole","offset":524288,"length":524288}"#)
        #expect(punched.json?["allocated_bytes"] as? Int == 512 << 10)
        let after = try await gmemd.curl("/v1/usage", tenant).reply.json?["usage"] as? [String: Any]
        #expect(after?["allocated_bytes"] as? Int == 512 << 10)
    }

    @Test func adoptionPastTheTenantsLimitIsRefusedAndChangesNothing() async throws {
        let gmemd = try await Self.gmemd.running()
        let created = try await gmemd.post(
            "/v1/tenants", try gmemd.adminHeader, #"{"name":"small","limits":{"max_bytes":524288}}"#)
        let tenant = ["-H", "Authorization: Bearer \(created.json?["token"] as? String ?? "")"]

        let out = try await FDProbe.run("adopt", unix: Self.path, tenant: tenant, ["big", "x", "1048576"])

        #expect(out["status"] as? Int == 403)
        #expect((out["json"] as? [String: Any])?["errno"] as? String == "EDQUOT")
        let usage = try await gmemd.curl("/v1/usage", tenant).reply.json?["usage"] as? [String: Any]
        #expect(usage?["allocated_bytes"] as? Int == 0)
        #expect(usage?["files"] as? Int == 0)
    }

    @Test(arguments: [
        (["big", "x", "0", "regular"], "not a memfd"),
        ([], "exactly one"),
    ])
    func adoptionOfAnythingButOneMemfdIs422WithTheReason(arguments: [String], reason: String) async throws {
        let gmemd = try await Self.gmemd.running()
        let tenant = try await gmemd.newTenant().header

        let out = try await FDProbe.run(
            arguments.isEmpty ? "adopt-none" : "adopt", unix: Self.path, tenant: tenant, arguments)

        #expect(out["status"] as? Int == 422)
        #expect(((out["json"] as? [String: Any])?["detail"] as? String)?.contains(reason) == true, "\(out)")
        let overTCP = try await gmemd.post("/v1/files", tenant, #"{"name":"t","adopt":true}"#)
        #expect(overTCP.status == 422)
        #expect(overTCP.problem?.detail.contains("Unix-domain socket") == true)
    }

    @Test func gmemdsDescriptorsComeBackToTheirCountAfterExportsHangupsAndTCP() async throws {
        let unix = temporarySocketPath()
        let gmemd = try await Gmemd.start(["--unix", unix])
        defer { gmemd.send(SIGKILL) }
        let tenant = try await gmemd.newTenant().header
        let file = try await gmemd.newFile(tenant, size: 1 << 20)
        let baseline = try gmemd.openDescriptorCount

        let cycles = try await FDProbe.run("cycles", unix: unix, tenant: tenant, [file, "1000"])
        #expect(cycles["done"] as? Int == 1000)
        #expect(try await gmemd.descriptorCount(settlingAt: baseline) == baseline)

        _ = try await FDProbe.run("hang-up", unix: unix, tenant: tenant, [file, "50"])
        #expect(try await gmemd.descriptorCount(settlingAt: baseline) == baseline)

        for _ in 0..<20 {
            _ = try await gmemd.post("/v1/files/\(file)/consumers", tenant, #"{"kind":"process"}"#)
        }
        #expect(try await gmemd.descriptorCount(settlingAt: baseline) == baseline)

        // curl over the socket reads the JSON and never asks for the descriptor.
        for _ in 0..<20 {
            let reply = try await gmemd.post(
                "/v1/files/\(file)/consumers", tenant, #"{"kind":"process"}"#, unix: unix)
            #expect(reply.status == 201)
        }
        #expect(try await gmemd.descriptorCount(settlingAt: baseline) == baseline)
        try await gmemd.stop()
    }
}
