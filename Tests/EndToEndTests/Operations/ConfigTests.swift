import Foundation
import TestSupport
import Testing

/// The operations flags from the environment (GMEMD_…) and from a config file, and in --help.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConfigTests {
    @Test func operationsFlagsComeFromTheEnvironment() async throws {
        let path = temporarySocketPath()
        let gmemd = try await Gmemd.start(
            [], environment: ["GMEMD_UNIX": path, "GMEMD_UNIX_MODE": "0640", "GMEMD_LOG_FORMAT": "json"])
        defer { Task { try? await gmemd.stop() } }

        #expect(try await gmemd.curl("/v1/health", unix: path).reply.status == 200)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o640)
        #expect(gmemd.log.contents.hasPrefix("{\"time\":"), "\(gmemd.log.contents)")
    }

    @Test func operationsFlagsComeFromAConfigFile() async throws {
        let path = temporarySocketPath()
        let file = FileManager.default.temporaryDirectory.appending(path: "e2e-gmemd-\(UUID()).conf")
        try Data(
            """
            # operations settings, as the flags spell them
            unix = \(path)
            log-level = info
            gzip-min-bytes = 100
            """.utf8
        ).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let log = try await Gmemd.withInstance(["--config", file.path]) { gmemd in
            let reply = try await gmemd.curl(
                "/v1/health", ["-H", "X-Request-Id: from-config", "-H", "Accept-Encoding: gzip"], unix: path
            ).reply
            #expect(reply.status == 200)
            // The health answer is a few hundred bytes, under the default minimum of 1 KiB: only
            // gzip-min-bytes = 100 from the file compresses it.
            #expect(reply.header("Content-Encoding") == "gzip", "gzip-min-bytes from the file")
            #expect(reply.body.starts(with: [0x1f, 0x8b]), "a gzip member")
            try await gmemd.stop()
            return gmemd.log.contents
        }

        #expect(log.contains("request_id=from-config"), "log-level from the file: \(log)")
    }

    @Test func helpDocumentsTheOperationsFlags() async throws {
        let help = try await Subprocess.run(try GmemdBinary.url().path, ["--help"])

        for flag in [
            "--tls-cert", "--tls-key", "--tls-client-ca", "--unix ", "--unix-mode", "--metrics-listen",
            "--log-format",
            "--log-level", "--gzip-min-bytes", "--gzip-level",
        ] {
            #expect(help.stdout.contains(flag), "\(flag) missing from --help")
        }
        #expect(help.stdout.contains("'none'"))
    }

    @Test(arguments: [
        ["--tls-cert", "/nonexistent.pem"], ["--tls-client-ca", "/x.pem"], ["--listen", "none"],
        ["--gzip-level", "0"], ["--unix-mode", "999"], ["--log-format", "xml"],
    ])
    func inconsistentOperationsFlagsAreRefusedAtStart(flags: [String]) async throws {
        let result = try await Subprocess.run(
            try GmemdBinary.url().path, flags + ["--state-dir", "/tmp/gmemd-never"])

        #expect(result.status == Termination(exitedNormally: true, status: 64), "\(result.stderr)")
    }
}
