import Foundation
import TestSupport
import Testing

/// `gmemd fd`, the client scripts use: the command it runs inherits the file's descriptor with
/// the access asked, `{fd}` naming it; a refusal is gmemd's problem on stderr and exit status 1.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FdCommandTests {
    static let check = """
        import fcntl, os, sys
        fd = int(sys.argv[1])
        mode = {os.O_RDONLY: "read_only", os.O_RDWR: "read_write"}[fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE]
        print(os.fstat(fd).st_size, mode, os.environ["GMEMD_FD"] == sys.argv[1], os.environ["GMEMD_CONSUMER"][:4])
        """

    static func fd(_ gmemd: Gmemd, unix: String, token: URL, _ arguments: [String]) async throws -> Subprocess
    {
        try await Subprocess.run(
            try GmemdBinary.url().path,
            ["fd", "--unix", unix, "--token-file", token.path] + arguments + [
                "--", "python3", "-c", check, "{fd}",
            ])
    }

    @Test(arguments: ["read_only", "read_write"])
    func commandInheritsTheDescriptorWithTheAccessAsked(access: String) async throws {
        let unix = DescriptorRouteTests.path
        let gmemd = try await DescriptorRouteTests.gmemd.running()
        let (tenant, token) = try await gmemd.tenantWithTokenFile()
        let file = try await gmemd.newFile(tenant, size: 8192)

        let run = try await Self.fd(gmemd, unix: unix, token: token, ["--file", file, "--access", access])

        #expect(run.succeeded, "\(run.stderr)")
        #expect(run.stdout == "8192 \(access) True con_\n")
        let consumers = try await gmemd.curl("/v1/files/\(file)/consumers", tenant).reply
        let items = consumers.json?["items"] as? [[String: Any]]
        #expect(items?.count == 1)
        let cid = try #require(items?.first?["id"] as? String)

        let again = try await Self.fd(gmemd, unix: unix, token: token, ["--consumer", cid])

        #expect(again.stdout == "8192 \(access) True con_\n")
        let consumer = try await gmemd.curl("/v1/consumers/\(cid)", tenant).reply
        #expect((consumer.json?["fd"] as? [String: Any])?["handed_out"] as? Int == 2)
    }

    @Test func refusalIsPrintedAndExitsWithStatus1WithoutRunningTheCommand() async throws {
        let unix = DescriptorRouteTests.path
        let gmemd = try await DescriptorRouteTests.gmemd.running()
        let (tenant, token) = try await gmemd.tenantWithTokenFile()

        let run = try await Self.fd(gmemd, unix: unix, token: token, ["--file", "file_nosuchfile"])

        #expect(run.status == Termination(exitedNormally: true, status: 1))
        #expect(run.stderr.contains("gmemd fd: 404"))
        #expect(run.stdout.isEmpty)
    }
}
