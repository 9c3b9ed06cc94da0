import Foundation
import TestSupport
import Testing

/// Memory under hostile load (the isolation issue, item 1): a body sent without a valid token
/// is refused from its head, so strangers cannot fill gmemd's memory with bodies it would only
/// refuse once they were whole.
@Suite(.timeLimit(.scaledMinutes(10)))
struct UnauthenticatedBodyTests {
    static let mib = 1 << 20

    /// Each client sends a head declaring 64 MiB, then as much of the body as gmemd takes before
    /// it answers; all 16 together may not grow gmemd by 100 MiB (before the head was judged,
    /// they grew it by about a GiB).
    @Test func sixteenUnauthenticatedLargeBodiesAre401AndGmemdStaysSmall() async throws {
        try await Gmemd.withInstance([]) { gmemd in
            let before = try gmemd.residentBytes()
            let chunk = [UInt8](repeating: 0x61, count: Self.mib)

            let replies = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 {
                    // Off the pool: sixteen blocking sends would hold both of its threads.
                    group.addTask {
                        try await offThePool {
                            let connection = try RawConnection(port: gmemd.port, readTimeout: .seconds(20))
                            try connection.send(
                                "POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                    + "Content-Length: \(64 * Self.mib)\r\n\r\n")
                            // gmemd answers and closes without reading: sends then fail, as they should.
                            for _ in 0..<63 where (try? connection.send(chunk)) != nil {}
                            return try connection.readReply().status
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let after = try gmemd.residentBytes()

            #expect(replies == Array(repeating: 401, count: 16))
            #expect(after - before < 100 * Int64(Self.mib), "RSS \(before) → \(after)")
            #expect(try await gmemd.get("/v1/health").status == 200)
        }
    }

    @Test func expectContinueIsAnsweredWith401NotAnInvitationWithoutAToken() async throws {
        let gmemd = try await Gmemd.shared.running()
        let connection = try RawConnection(port: gmemd.port)
        try connection.send(
            "PUT /v1/files/file_x/content HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                + "Content-Length: 1048576\r\n\r\n")

        let reply = try connection.readReply()

        #expect(reply.status == 401)
    }
}

/// A tenant's JSON body larger than any route needs is refused from its head, before gmemd
/// reads or decodes it (the isolation issue: two 64 MiB seals arrays took 7.7 s and 1.4 GB).
struct JSONBodyLimitTests {
    @Test func sealsBodyDeclaredAt64MiBIs413BeforeItIsSent() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)
        let connection = try RawConnection(port: tenant.client.gmemd.port)
        try connection.send(
            "POST \(file.path)/seals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(tenant.client.token ?? "")\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(64 << 20)\r\n\r\n")

        let reply = try connection.readReply()

        #expect(reply.status == 413, "\(reply.text)")
        #expect(try await tenant.file(file.id).seals.isEmpty)
    }

    /// Chunked, nothing announces its size: it is refused once it passes --max-json-bytes (1 MiB),
    /// while the client, having sent 2 MiB of its 64, waits. Read whole, it would never be answered.
    @Test func chunkedSealsBodyIs413OncePastTheJSONLimitNotAtItsEnd() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)
        let connection = try RawConnection(port: tenant.client.gmemd.port)
        let chunk = #"{"seals":["# + String(repeating: #""grow","#, count: (1 << 20) / 7 - 2)
        try connection.send(
            "POST \(file.path)/seals HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(tenant.client.token ?? "")\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in 0..<2 {
            try? connection.send(String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n")
        }

        let reply = try connection.readReply()

        #expect(reply.status == 413, "\(reply.text)")
        #expect(reply.problem?.type == "urn:gmemd:problem:too-large")
        #expect(try await tenant.file(file.id).seals.isEmpty)
    }
}

/// Each route takes the JSON its schema can need and no more (`JSONLimits`): a longer array, a
/// deeper nesting or a larger body is refused before it is decoded, and changes nothing.
struct JSONRouteLimitTests {
    @Test func sealsArrayOfSeventeenNamesIs422AndAddsNoSeal() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let refused = try await tenant.client.post(
            file.path + "/seals", json: ["seals": Array(repeating: "grow", count: 17)])
        let sixteen = try await tenant.client.post(
            file.path + "/seals", json: ["seals": Array(repeating: "grow", count: 16)])

        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.problem?.type == "urn:gmemd:problem:invalid")
        #expect(sixteen.status == 200, "\(sixteen.text)")
        #expect(try await tenant.file(file.id).seals == ["grow"])
    }

    @Test func fileBodyNestedDeeperThanItsSchemaIs422AndMakesNoFile() async throws {
        let tenant = try await Gmemd.api.newTenant()

        let refused = try await tenant.client.post(
            "/v1/files", json: ["name": "deep", "size": 4096, "flags": ["exec": ["deeper": true]]])

        #expect(refused.status == 422, "\(refused.text)")
        #expect(try await tenant.usage().files == 0)
    }

    /// 17 KiB of spaces around a fallocate body, sent chunked so no Content-Length announces it.
    @Test func fallocateBodyLargerThanTheRouteTakesIs413AndAllocatesNothing() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 1 << 20)
        let json =
            #"{"mode":"allocate","offset":0,"length":1048576}"# + String(repeating: " ", count: 17 << 10)
        let connection = try RawConnection(port: tenant.client.gmemd.port)

        try connection.send(
            "POST \(file.path)/fallocate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(tenant.client.token ?? "")\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + String(json.utf8.count, radix: 16) + "\r\n" + json + "\r\n0\r\n\r\n")
        let reply = try connection.readReply()

        #expect(reply.status == 413, "\(reply.text)")
        #expect(reply.problem?.type == "urn:gmemd:problem:too-large")
        #expect(try await tenant.file(file.id).allocatedBytes == 0)
    }
}

/// All request bodies in flight share `--body-memory-bytes`: while one tenant's upload holds it,
/// another tenant's body is 503 with Retry-After, and the admin's still gets in, so the admin can
/// make and delete tenants whatever the others send.
@Suite(.timeLimit(.scaledMinutes(10)))
struct BodyMemoryTests {
    @Test func whileOneUploadHoldsTheBudgetOthersGet503AndTheAdminIsServed() async throws {
        try await Gmemd.withInstance(["--max-body-bytes", "1048576", "--body-memory-bytes", "1048576"]) {
            gmemd in
            let admin = try Admin(gmemd)
            let holder = try await admin.createTenant(name: "holder")
            let other = try await admin.createTenant(name: "other")
            let file = try await holder.createFile(size: 1 << 20)
            let upload = try RawConnection(port: gmemd.port)
            try upload.send(
                "PUT \(file.path)/content HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(holder.client.token ?? "")\r\n"
                    + "Expect: 100-continue\r\nContent-Length: 1048576\r\n\r\n")
            #expect(try upload.readReply(keepingInterim: true).status == 100, "the upload was admitted")

            let refused = try await other.client.post("/v1/files", json: ["name": "f", "size": 4096])
            let made = try await admin.client.post("/v1/tenants", json: ["name": "made"])
            let deleted = try await admin.client.delete("/v1/tenants/\(holder.id)")

            #expect(refused.status == 503, "\(refused.text)")
            #expect(refused.header("Retry-After") == "1")
            #expect(refused.problemKind == "overloaded")
            #expect(try await other.usage().files == 0)
            #expect(made.status == 201, "\(made.text)")
            #expect(deleted.status == 204, "\(deleted.text)")
            #expect(gmemd.log.contents.contains("budget exhausted: request bodies"))
        }
    }
}
