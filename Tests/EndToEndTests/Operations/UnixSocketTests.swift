import Foundation
import TestSupport
import Testing

/// gmemd on a Unix-domain socket (--unix), as `curl --unix-socket` drives it: every route family,
/// alone (--listen none) or beside TCP, the socket file's mode, and what is found at the path.
@Suite(.timeLimit(.scaledMinutes(10)))
struct UnixSocketTests {
    static let path = temporarySocketPath()
    static let gmemd = SharedGmemd(flags: ["--unix", path, "--unix-mode", "0600"])

    @Test func everyRouteFamilyAnswersOverTheSocket() async throws {
        let gmemd = try await Self.gmemd.running()
        let unix = Self.path
        let json = ["-H", "Content-Type: application/json"]

        #expect(try await gmemd.curl("/v1/health", unix: unix).reply.status == 200)
        let tenant = try await gmemd.newTenant(unix: unix)
        #expect(
            try await gmemd.curl("/v1/tenants/\(tenant.id)", try gmemd.adminHeader, unix: unix).reply.status
                == 200)
        #expect(try await gmemd.curl("/v1/usage", tenant.header, unix: unix).reply.status == 200)
        let created = try await gmemd.curl(
            "/v1/files", tenant.header + json + ["--data-binary", #"{"name":"u","size":65536}"#], unix: unix
        ).reply
        let file = try #require(created.json?["id"] as? String, "\(created.text)")
        #expect(try await gmemd.curl("/v1/files", tenant.header, unix: unix).reply.status == 200)
        #expect(try await gmemd.curl("/v1/files/\(file)", tenant.header, unix: unix).reply.status == 200)
        let sealed = try await gmemd.curl(
            "/v1/files/\(file)/seals", tenant.header + json + ["--data-binary", #"{"seals":["shrink"]}"#],
            unix: unix)
        #expect(sealed.reply.status == 200, "\(sealed.reply.text)")
        let allocated = try await gmemd.curl(
            "/v1/files/\(file)/fallocate",
            tenant.header + json + ["--data-binary", #"{"mode":"allocate","offset":0,"length":65536}"#],
            unix: unix)
        #expect(allocated.reply.status == 200, "\(allocated.reply.text)")
        let written = try await gmemd.curl(
            "/v1/files/\(file)/content?offset=0",
            tenant.header + ["-X", "PUT", "--data-binary", "over unix"], unix: unix)
        #expect(written.reply.status == 200, "\(written.reply.text)")
        let read = try await gmemd.curl(
            "/v1/files/\(file)/content", tenant.header + ["-H", "Range: bytes=0-8"], unix: unix)
        #expect(read.reply.text == "over unix")
        let consumer = try await gmemd.curl(
            "/v1/files/\(file)/consumers", tenant.header + json + ["--data-binary", #"{"kind":"generic"}"#],
            unix: unix)
        #expect(consumer.reply.status == 201, "\(consumer.reply.text)")
        #expect(
            try await gmemd.curl("/v1/files/\(file)/dirty", tenant.header, unix: unix).reply.status == 200)
        // Without KVM the VM routes answer 422 with the reason, by design.
        let vms = try await gmemd.curl("/v1/vms", tenant.header, unix: unix).reply.status
        #expect(vms == (HostSupport.features.absence(of: .vms) == nil ? 200 : 422))
        let metrics = try await gmemd.curl("/metrics", try gmemd.adminHeader, unix: unix).reply
        #expect(metrics.status == 200)
        _ = try PrometheusText(metrics.text)
    }

    @Test func socketFileHasTheModeAsked() async throws {
        _ = try await Self.gmemd.running()

        let attributes = try FileManager.default.attributesOfItem(atPath: Self.path)

        #expect(attributes[.type] as? FileAttributeType == .typeSocket)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
    }

    @Test func listenNoneServesTheSocketAloneAndRemovesItAtExit() async throws {
        let path = temporarySocketPath()
        let gmemd = try await Gmemd.start(["--listen", "none", "--unix", path], tcp: false)

        #expect(try await gmemd.curl("/v1/health", unix: path).reply.status == 200)
        #expect(!gmemd.log.contents.contains("listening on http"))
        #expect(gmemd.log.contents.contains("listening on unix:\(path)"))

        try await gmemd.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func leftoverSocketOfAKilledGmemdIsReplaced() async throws {
        let path = temporarySocketPath()
        let killed = try await Gmemd.start(["--unix", path])
        killed.send(SIGKILL)
        _ = try await killed.termination(within: .seconds(10))
        #expect(
            FileManager.default.fileExists(atPath: path),
            "SIGKILL left no socket file; the test proves nothing")

        let status = try await Gmemd.withInstance(["--unix", path]) { gmemd in
            try await gmemd.curl("/v1/health", unix: path).reply.status
        }
        #expect(status == 200)
    }

    @Test func socketAnotherGmemdListensOnIsAnErrorAndItKeepsServing() async throws {
        let path = temporarySocketPath()
        try await Gmemd.withInstance(["--unix", path]) { first in
            let output = try await Self.refusedStart(["--unix", path])
            #expect(output.contains("in use"), "\(output)")
            let status = try await first.curl("/v1/health", unix: path).reply.status
            #expect(status == 200)
        }
    }

    @Test func fileThatIsNotASocketIsLeftAloneAndGmemdDoesNotStart() async throws {
        let path = temporarySocketPath()
        try Data("not a socket".utf8).write(to: URL(filePath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        let output = try await Self.refusedStart(["--unix", path])

        #expect(output.contains("is not a socket"), "\(output)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "not a socket")
    }

    /// What gmemd said when it would not start with `flags`; a gmemd that starts fails the test,
    /// and so does any other failure (the binary missing, a timeout).
    static func refusedStart(_ flags: [String]) async throws -> String {
        do {
            let gmemd = try await Gmemd.start(flags)
            try await gmemd.stop()
            Issue.record("gmemd started with \(flags)")
            return ""
        } catch EndToEndError.startFailed(let output) {
            return output
        }
    }
}
