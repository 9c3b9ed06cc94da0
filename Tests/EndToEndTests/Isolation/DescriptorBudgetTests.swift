import Foundation
import TestSupport
import Testing

/// Descriptors under hostile load (the isolation issue, item 3): a tenant that makes files until
/// refused cannot take the fds that connections, the tenant registry and the admin need; a client
/// that connects and says nothing is cut off by the header timeout.
@Suite(.timeLimit(.scaledMinutes(10)))
struct DescriptorBudgetTests {
    static let hasPrlimit = FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit")

    @Test(.enabled(if: hasPrlimit, "needs /usr/bin/prlimit to start gmemd under RLIMIT_NOFILE 512"))
    func tenantMakingFilesUntilRefusedLeavesGmemdAcceptingAnsweringAndAdministered() async throws {
        try await Gmemd.withInstance([], launcher: ["/usr/bin/prlimit", "--nofile=512:512", "--"]) { gmemd in
            let admin = try Admin(gmemd)
            let hog = try await admin.createTenant(name: "hog", limits: ["max_files": 100_000])

            var refusal: HTTPReply?
            for index in 0..<512 {
                let reply = try await hog.client.post("/v1/files", json: ["name": "f\(index)", "size": 4096])
                guard reply.status == 201 else {
                    refusal = reply
                    break
                }
            }

            #expect(refusal?.status == 507, "\(refusal?.text ?? "every create succeeded")")
            #expect(refusal?.problem?.errno == "EMFILE")
            for _ in 0..<32 {
                let connection = try RawConnection(port: gmemd.port)
                try connection.send(Requests.get())
                #expect(try connection.readReply().status == 200)
            }
            let bystander = try await admin.createTenant(name: "bystander")
            _ = try await admin.client.delete("/v1/tenants/\(hog.id)").expecting(204, "delete the hog")
            _ = try await bystander.createFile(size: 4096)
            _ = try await admin.client.delete("/v1/tenants/\(bystander.id)").expecting(
                204, "delete the bystander")
            #expect(gmemd.log.contents.contains("budget exhausted"))
        }
    }

    /// 100 connections that never send a byte, against `--header-timeout 1` and the default idle
    /// timeout of 60 s: each must be closed long before the idle timeout. Each read waits at
    /// most 20 s, so a server that keeps them for the idle timeout fails the test.
    @Test func silentConnectionsAreClosedByTheHeaderTimeout() async throws {
        try await Gmemd.withInstance(["--header-timeout", "1"]) { gmemd in
            let silent = try (0..<100).map { _ in
                try RawConnection(port: gmemd.port, readTimeout: .seconds(20))
            }

            for connection in silent {
                #expect(try connection.readUntilClosed().isEmpty)
            }

            let check = try RawConnection(port: gmemd.port)
            try check.send(Requests.get())
            #expect(try check.readReply().status == 200)
        }
    }
}
