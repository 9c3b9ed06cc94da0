import TestSupport
import Testing

/// ftruncate accepts any size up to Int64.max (kernel-semantics.md F13), so a file may be that
/// large, all of it a hole. Asking for its whole content must not take gmemd down. On a
/// throw-away instance, since the body never ends.
@Suite(.timeLimit(.scaledMinutes(10)))
struct HugeFileContentTests {
    @Test func wholeContentOfAnInt64MaxByteFileLeavesGmemdServing() async throws {
        try await Gmemd.withInstance([]) { gmemd in
            let tenant = try await Admin(gmemd).createTenant()
            let file = try await tenant.createFile(size: .max)
            let connection = try RawConnection(port: gmemd.port)

            try connection.send(
                "GET \(file.path)/content HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer \(tenant.client.token!)\r\n\r\n")

            // Only the head is read: the body is 8 EiB of zeros.
            let head = try connection.readReply(toHEAD: true)
            connection.close()
            #expect(head.status == 200)
            #expect(head.header("Content-Length") == "\(Int64.max)")
            #expect(try await gmemd.get("/v1/health").status == 200)
        }
    }
}
