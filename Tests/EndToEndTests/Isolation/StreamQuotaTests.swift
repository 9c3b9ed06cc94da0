import Foundation
import TestSupport
import Testing

/// Long responses a tenant leaves unread are capped per tenant (`--max-streams-per-tenant`): past
/// the cap its next event stream, long-poll or download is 403 `quota`, another tenant's are not,
/// and a stream that ends gives its place back.
@Suite(.timeLimit(.scaledMinutes(10)))
struct StreamQuotaTests {
    static let gmemd = SharedGmemd(flags: ["--max-streams-per-tenant", "2"])

    /// Opens an event stream of `consumer` and returns its connection once the head arrived.
    static func openStream(_ tenant: Tenant, _ consumer: String) async throws -> (RawConnection, String) {
        let connection = try RawConnection(port: tenant.client.gmemd.port, readTimeout: .seconds(20))
        try connection.send(
            "GET /v1/consumers/\(consumer)/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer \(tenant.client.token ?? "")\r\nAccept: text/event-stream\r\n\r\n")
        return (connection, String(decoding: try await connection.someBytes(), as: UTF8.self))
    }

    @Test func aThirdStreamOrDownloadIsRefusedWhileTwoAreOpenAndAnotherTenantIsNot() async throws {
        let gmemd = try await Self.gmemd.running()
        let admin = try Admin(gmemd)
        let tenant = try await admin.createTenant()
        let other = try await admin.createTenant()
        let file = try await tenant.createFile(size: 4096)
        let consumer = try await tenant.attach(file)
        let otherConsumer = try await other.attach(try await other.createFile(size: 4096))

        let (first, firstHead) = try await Self.openStream(tenant, consumer.id)
        let (second, secondHead) = try await Self.openStream(tenant, consumer.id)
        let refusedStream = try await Self.openStream(tenant, consumer.id).1
        let refusedDownload = try await tenant.client.get(file.path + "/content")
        let (_, otherHead) = try await Self.openStream(other, otherConsumer.id)

        #expect(firstHead.hasPrefix("HTTP/1.1 200") && secondHead.hasPrefix("HTTP/1.1 200"))
        #expect(refusedStream.hasPrefix("HTTP/1.1 403"), "\(refusedStream)")
        #expect(refusedStream.contains("EDQUOT") && refusedStream.contains("--max-streams-per-tenant"))
        #expect(refusedDownload.status == 403 && refusedDownload.problemKind == "quota")
        #expect(otherHead.hasPrefix("HTTP/1.1 200"), "\(otherHead)")

        // Detaching the consumer ends both streams (after `detached`); each gives its place back
        // before its last chunk goes out.
        try await tenant.detach(consumer)
        for stream in [first, second] {
            var said = ""
            while !said.contains("\r\n0\r\n\r\n") {
                said += String(decoding: try await stream.someBytes(), as: UTF8.self)
            }
        }
        let download = try await tenant.client.get(file.path + "/content")

        #expect(download.status == 200, "\(download.text)")
    }
}
