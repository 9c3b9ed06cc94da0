import TestSupport
import Testing

/// Authorization is not a list (RFC 9110 §5.3, §11.6.2): a request with two is refused with
/// 400 before any auth decision, whichever of the two is the good one.
@Suite(.timeLimit(.scaledMinutes(10)))
struct AuthorizationHeaderTests {
    @Test(arguments: [true, false])
    func twoAuthorizationHeadersAre400WhicheverComesFirst(goodFirst: Bool) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let connection = try RawConnection(port: try await Gmemd.api.running().port)
        let good = "Authorization: Bearer \(tenant.client.token!)"
        let bad = "Authorization: Bearer \(tenant.id).wrong"

        try connection.send(
            "GET /v1/usage HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (goodFirst ? [good, bad] : [bad, good]).map { $0 + "\r\n" }.joined() + "\r\n")

        let reply = try connection.readReply()
        #expect(reply.status == 400)
        #expect(reply.problem?.detail.contains("Authorization") == true)
        #expect(try connection.readUntilClosed().isEmpty)
    }
}
