import Foundation
import TestSupport

/// A throw-away CA, a server certificate for 127.0.0.1 and localhost signed by it, a client
/// certificate signed by it, and the same client key certified by a second CA, made once per
/// test run with the openssl command.
struct TestCertificates: Sendable {
    let folder: URL
    var ca: String { folder.appending(path: "ca.pem").path }
    var serverCertificate: String { folder.appending(path: "server.pem").path }
    var serverKey: String { folder.appending(path: "server.key").path }
    var clientCertificate: String { folder.appending(path: "client.pem").path }
    var clientKey: String { folder.appending(path: "client.key").path }
    /// The client's key, certified by another CA that gmemd does not trust.
    var strangerCertificate: String { folder.appending(path: "stranger.pem").path }

    /// The flags that make gmemd's TCP listener HTTPS with these.
    var serverFlags: [String] { ["--tls-cert", serverCertificate, "--tls-key", serverKey] }

    static let shared = Once { try await TestCertificates.make() }

    private static func make() async throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appending(path: "gmemd-e2e-tls-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let made = TestCertificates(folder: folder)
        let days = ["-days", "2"]
        for ca in ["ca", "other-ca"] {
            try await openssl(
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(ca).key", "-out",
                    "\(ca).pem",
                    "-subj", "/CN=gmemd e2e \(ca)",
                ] + days, in: folder)
        }
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1\n".utf8).write(
            to: folder.appending(path: "server.ext"))
        for (name, extensions) in [("server", ["-extfile", "server.ext"]), ("client", [])] {
            try await openssl(
                [
                    "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr",
                    "-subj", "/CN=gmemd e2e \(name)",
                ], in: folder)
            try await openssl(
                [
                    "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                    "-CAcreateserial", "-out", "\(name).pem",
                ]
                    + days + extensions, in: folder)
        }
        try await openssl(
            [
                "x509", "-req", "-in", "client.csr", "-CA", "other-ca.pem", "-CAkey", "other-ca.key",
                "-CAcreateserial", "-out", "stranger.pem",
            ] + days, in: folder)
        return made
    }

    /// Runs `openssl` with `arguments`, file names relative to `folder`.
    private static func openssl(_ arguments: [String], in folder: URL) async throws {
        let result = try await Subprocess.run(
            "sh", ["-c", "cd \"$0\" && exec openssl \"$@\"", folder.path] + arguments)
        guard result.succeeded else {
            throw EndToEndError.commandFailed("openssl \(arguments): \(result.stderr)")
        }
    }
}

/// A value made by the first caller and shared by all; a failure is shared too.
actor Once<Value: Sendable> {
    private let make: @Sendable () async throws -> Value
    private var made: Task<Value, any Error>?

    init(_ make: @escaping @Sendable () async throws -> Value) { self.make = make }

    func value() async throws -> Value {
        if let made { return try await made.value }
        let task = Task { try await make() }
        made = task
        return try await task.value
    }
}
