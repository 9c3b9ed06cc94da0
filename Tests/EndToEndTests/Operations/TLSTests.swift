import Foundation
import FoundationNetworking
import TestSupport
import Testing

/// gmemd with --tls-cert and --tls-key, as HTTPS clients see it: curl and openssl s_client with
/// a throw-away CA, mutual TLS, a plain-HTTP client, and a client that stalls mid-handshake.
@Suite(.timeLimit(.scaledMinutes(10)))
struct TLSTests {
    static let https = Once { try await Gmemd.start(try await TestCertificates.shared.value().serverFlags) }
    static let mutual = Once {
        let certificates = try await TestCertificates.shared.value()
        return try await Gmemd.start(certificates.serverFlags + ["--tls-client-ca", certificates.ca])
    }

    @Test func curlThatTrustsTheTestCAGetsTheAPIOverHTTPS() async throws {
        let (gmemd, certificates) = (try await Self.https.value(), try await TestCertificates.shared.value())

        let curl = try await gmemd.curl("/v1/health", ["--cacert", certificates.ca], https: true)

        #expect(curl.reply.status == 200)
        #expect(curl.reply.json?["status"] as? String == "ok")
        #expect(curl.trace.contains("SSL connection using TLSv1."), "trace:\n\(curl.trace)")
        #expect(gmemd.log.contents.contains("listening on https://127.0.0.1:\(gmemd.port)"))
    }

    @Test func curlThatDoesNotTrustTheCAIsRefusedByItsOwnCheck() async throws {
        let gmemd = try await Self.https.value()

        let result = try await Subprocess.run(
            "curl", ["-sS", "--max-time", "10", "https://127.0.0.1:\(gmemd.port)/v1/health"])

        // curl's 60 is "peer certificate cannot be authenticated": the server was there and
        // spoke TLS (a server that is down is 7, one that speaks no TLS 35).
        #expect(result.status == Termination(exitedNormally: true, status: 60), "\(result.stderr)")
        #expect(result.stderr.contains("SSL certificate problem"), "\(result.stderr)")
    }

    /// The raw OpenSSL client: TLS 1.2 is spoken and the chain verifies; TLS 1.1 is refused by
    /// gmemd. The client is told to allow old protocols and ciphers (security level 0), so that
    /// it would speak TLS 1.1 to a server that takes it and only gmemd can refuse it: it does,
    /// with a protocol_version alert (RFC 8446 §6.2).
    @Test(arguments: [("-tls1_2", true), ("-tls1_3", true), ("-tls1_1", false)])
    func openSSLClientSpeaksTLS12AndUpOnly(version: String, served: Bool) async throws {
        let (gmemd, certificates) = (try await Self.https.value(), try await TestCertificates.shared.value())
        let output = try await Self.sClient(
            gmemd, [version, "-cipher", "DEFAULT@SECLEVEL=0", "-verify_return_error"], certificates)

        if served {
            #expect(output.contains("Verify return code: 0 (ok)"), "\(output)")
            #expect(output.contains("HTTP/1.1 200 OK"), "\(output)")
        } else {
            #expect(!output.contains("HTTP/1.1 200"), "\(output)")
            #expect(output.contains("alert protocol version"), "\(output)")
        }
    }

    @Test func plainHTTPOnTheTLSPortGetsAPlain400AndTheConnectionCloses() async throws {
        let gmemd = try await Self.https.value()
        let connection = try RawConnection(port: gmemd.port)

        try connection.send(Requests.get())

        let reply = try connection.readReply()
        #expect(reply.status == 400)
        #expect(reply.text.contains("HTTPS"))
        #expect(reply.header("Connection") == "close")
        _ = try connection.readUntilClosed()
    }

    /// One loop, so that a blocking handshake would stall everyone. The stalled client sent a
    /// TLS record header promising a ClientHello and then nothing; the header timeout cuts it off.
    @Test func clientStalledMidHandshakeDoesNotStallASecondOne() async throws {
        let certificates = try await TestCertificates.shared.value()
        try await Gmemd.withInstance(certificates.serverFlags + ["--threads", "1", "--header-timeout", "2"]) {
            gmemd in
            let stalled = try RawConnection(port: gmemd.port)
            try stalled.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])

            let curl = try await gmemd.curl(
                "/v1/health", ["--cacert", certificates.ca, "--max-time", "5"], https: true)

            #expect(curl.reply.status == 200)
            // Closed by the header timeout (2 s), well within the read timeout (10 s).
            #expect(try stalled.readUntilClosed().isEmpty)
        }
    }

    @Test func mutualTLSServesAClientWithACertificateFromTheCA() async throws {
        let (gmemd, certificates) = (try await Self.mutual.value(), try await TestCertificates.shared.value())

        let curl = try await gmemd.curl(
            "/v1/health",
            [
                "--cacert", certificates.ca, "--cert", certificates.clientCertificate, "--key",
                certificates.clientKey,
            ],
            https: true)

        #expect(curl.reply.status == 200)
    }

    @Test func mutualTLSRefusesAClientWithoutACertificate() async throws {
        let (gmemd, certificates) = (try await Self.mutual.value(), try await TestCertificates.shared.value())

        let output = try await Self.sClient(gmemd, [], certificates)

        #expect(output.contains("alert certificate required"), "\(output)")
        #expect(!output.contains("HTTP/1.1 200"), "\(output)")
    }

    @Test func mutualTLSRefusesAClientCertificateFromAnotherCA() async throws {
        let (gmemd, certificates) = (try await Self.mutual.value(), try await TestCertificates.shared.value())

        let output = try await Self.sClient(
            gmemd, ["-cert", certificates.strangerCertificate, "-key", certificates.clientKey], certificates)

        #expect(output.contains("alert unknown ca"), "\(output)")
        #expect(!output.contains("HTTP/1.1 200"), "\(output)")
    }

    @Test func keyThatIsNotTheCertificatesStopsGmemdAtStartSayingSo() async throws {
        let certificates = try await TestCertificates.shared.value()

        do {
            let gmemd = try await Gmemd.start([
                "--tls-cert", certificates.serverCertificate, "--tls-key", certificates.clientKey,
            ])
            try await gmemd.stop()
            Issue.record("gmemd started with a key that does not match its certificate")
        } catch EndToEndError.startFailed(let output) {
            #expect(output.contains("key values mismatch"), "\(output)")
        }
    }

    /// The API itself over HTTPS: tokens, a file's content with a range, and an event stream.
    @Test func tenantWorksWithItsFilesContentAndEventsOverHTTPS() async throws {
        let (gmemd, certificates) = (try await Self.https.value(), try await TestCertificates.shared.value())
        let trust = ["--cacert", certificates.ca]
        let tenant = try await gmemd.newTenant(https: trust)
        let json = ["-H", "Content-Type: application/json"]
        let created = try await gmemd.curl(
            "/v1/files", tenant.header + json + trust + ["--data-binary", #"{"name":"tls","size":8192}"#],
            https: true
        ).reply
        let file = try #require(created.json?["id"] as? String, "\(created.status) \(created.text)")
        let consumer = try await gmemd.curl(
            "/v1/files/\(file)/consumers",
            tenant.header + json + trust + ["--data-binary", #"{"kind":"generic"}"#],
            https: true
        ).reply
        let consumerID = try #require(consumer.json?["id"] as? String, "\(consumer.status) \(consumer.text)")
        let token = try #require(tenant.header.last?.split(separator: " ").last.map(String.init))
        let stream = try CurlEventStream.open(
            URL(string: "https://127.0.0.1:\(gmemd.port)/v1/consumers/\(consumerID)/events")!, token: token,
            arguments: trust)

        let put = try await gmemd.curl(
            "/v1/files/\(file)/content?offset=4096",
            tenant.header + trust + ["-X", "PUT", "--data-binary", "over tls"],
            https: true
        ).reply
        let ranged = try await gmemd.curl(
            "/v1/files/\(file)/content", tenant.header + trust + ["-H", "Range: bytes=4096-4103"], https: true
        ).reply
        let allocated = try await gmemd.curl(
            "/v1/files/\(file)/fallocate",
            tenant.header + json + trust + [
                "--data-binary", #"{"mode":"allocate","offset":0,"length":4096}"#,
            ],
            https: true
        ).reply
        let noToken = try await gmemd.curl("/v1/files", trust, https: true).reply
        let event = try #require(try await stream.reader.nextEvent())
        stream.process.send(SIGTERM)

        #expect(put.status == 200, "\(put.text)")
        #expect(ranged.status == 206)
        #expect(ranged.text == "over tls")
        #expect(allocated.status == 200, "\(allocated.text)")
        #expect(noToken.status == 401)
        #expect(event.event == "allocate")
        #expect(try event.decoded().shape.hasPrefix("allocate @0 +4096"))
    }

    /// URLSession is the Swift client of the API elsewhere, but FoundationNetworking on Linux has
    /// no way to trust a CA of one's own: no server-trust delegate callback, no CA setting, and
    /// neither SSL_CERT_FILE nor CURL_CA_BUNDLE reaches its libcurl. So HTTPS is tested with curl
    /// and openssl s_client above; this records the gap, and fails loudly once it closes.
    @Test func urlSessionCannotTrustTheTestCAOnLinux() async throws {
        let gmemd = try await Self.https.value()
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }

        try await withKnownIssue("FoundationNetworking on Linux takes no custom CA") {
            let (_, response) = try await session.data(
                from: URL(string: "https://127.0.0.1:\(gmemd.port)/v1/health")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
        } matching: { issue in
            // Only the refusal of the certificate is known: gmemd down or silent is a failure.
            // FoundationNetworking reports libcurl's words with code -1, so the words are the match.
            let description = issue.error.map { ($0 as NSError).localizedDescription } ?? ""
            return description.hasPrefix("SSL certificate problem")
        }
    }

    /// What `openssl s_client` with `arguments` prints (stdout and stderr) for one GET of
    /// /v1/health: the raw client names the TLS alerts a server sends. With TLS 1.3 a server
    /// judges a client's certificate after the handshake, so curl's exit code for a refusal
    /// depends on when the close arrives; s_client's words do not.
    static func sClient(_ gmemd: Gmemd, _ arguments: [String], _ certificates: TestCertificates) async throws
        -> String
    {
        let request = #"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"#
        let script =
            "printf '\(request)' | openssl s_client -connect 127.0.0.1:\(gmemd.port) -CAfile \"$0\" -ign_eof \"$@\" 2>&1"
        return try await Subprocess.run("sh", ["-c", script, certificates.ca] + arguments).stdout
    }
}
