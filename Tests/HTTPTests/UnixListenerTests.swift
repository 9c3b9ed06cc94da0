import Foundation
import HTTP
import TestSupport
import Testing

/// The server on a Unix-domain socket: what it does with whatever is already at the path.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct UnixListenerTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appending(
            path: "gmemd-unix-\(UUID().uuidString.prefix(8)).sock"
        ).path
    }

    static func unixOnly(_ path: String, mode: UInt32 = 0o660) -> (inout ServerConfiguration) -> Void {
        { configuration in
            configuration.servesTCP = false
            configuration.unixSocket = UnixSocketAddress(path: path, mode: mode)
        }
    }

    @Test func requestsAreServedOverTheSocketWhichGetsItsModeAndGoesAtStop() async throws {
        let path = Self.temporaryPath()
        let live = try LiveServer(LiveServerTests.router(), configure: Self.unixOnly(path, mode: 0o600))
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(attributes[.type] as? FileAttributeType == .typeSocket)

        let client = try RawConnection(unixPath: path, readTimeout: LiveServer.readTimeout)
        try client.send("GET /files/u1 HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.reply().text == "file u1")
        #expect(live.server.boundPort == 0)

        try await live.stop()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func leftoverSocketThatNobodyListensOnIsReplaced() async throws {
        let path = Self.temporaryPath()
        // A socket file whose listener is gone, as a killed gmemd leaves it.
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(stale, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        close(stale)
        #expect(FileManager.default.fileExists(atPath: path))

        let live = try LiveServer(LiveServerTests.router(), configure: Self.unixOnly(path))
        let client = try RawConnection(unixPath: path, readTimeout: LiveServer.readTimeout)
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.reply().text == "hello")
        try await live.stop()
    }

    @Test func socketSomeoneListensOnIsEADDRINUSEAndKeepsServing() async throws {
        let path = Self.temporaryPath()
        let first = try LiveServer(LiveServerTests.router(), configure: Self.unixOnly(path))

        #expect(Self.bindErrno(path) == EADDRINUSE)

        let client = try RawConnection(unixPath: path, readTimeout: LiveServer.readTimeout)
        try client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try await client.reply().text == "hello")
        try await first.stop()
    }

    @Test func fileThatIsNotASocketIsEEXISTAndNeverDeleted() throws {
        let path = Self.temporaryPath()
        try Data("precious".utf8).write(to: URL(filePath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }

        #expect(Self.bindErrno(path) == EEXIST)

        #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
    }

    @Test func noListenerAtAllIsEINVAL() {
        var configuration = ServerConfiguration()
        configuration.servesTCP = false
        do {
            _ = try HTTPServer(configuration: configuration, router: Router())
            Issue.record("a server with no listener was made")
        } catch {
            #expect(error.rawValue == EINVAL)
        }
    }

    /// The errno of binding a Unix-only server at `path`, or 0 if it bound.
    static func bindErrno(_ path: String) -> Int32 {
        var configuration = ServerConfiguration()
        unixOnly(path)(&configuration)
        do {
            _ = try HTTPServer(configuration: configuration, router: Router())
            return 0
        } catch {
            return error.rawValue
        }
    }
}
