import Foundation
import TestSupport
import Testing

/// Requests that can never succeed (design.md §3): malformed JSON or wrong types are 400, a
/// body that is not JSON 415, well-formed but impossible values 422 with the kernel's errno.
/// Every one is checked to have changed nothing.
@Suite(.timeLimit(.scaledMinutes(10)))
struct BadInputTests {
    struct BadRequest: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var method = "POST"
        /// `{fid}` is a 64 KiB file of the tenant.
        var path: String
        var body: String?
        var contentType = "application/json"
        var status: Int
        var errno: String?
    }

    static let fallocate = "/v1/files/{fid}/fallocate"
    static let longName = String(repeating: "n", count: 250)

    static let badRequests: [BadRequest] = [
        // fallocate(2)'s own refusals (F3, F4, F5), checked before the kernel is asked.
        .init(
            testDescription: "negative offset", path: fallocate,
            body: #"{"mode":"allocate","offset":-1,"length":4096}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "zero length", path: fallocate,
            body: #"{"mode":"allocate","offset":0,"length":0}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "negative length of a punch", path: fallocate,
            body: #"{"mode":"punch_hole","offset":0,"length":-4096}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "offset + length past Int64.max", path: fallocate,
            body: #"{"mode":"allocate","offset":9223372036854775807,"length":4096}"#, status: 422,
            errno: "EFBIG"),
        .init(
            testDescription: "punch that moves the size", path: fallocate,
            body: #"{"mode":"punch_hole","offset":0,"length":4096,"keep_size":false}"#, status: 422,
            errno: "EOPNOTSUPP"),
        .init(
            testDescription: "unknown mode", path: fallocate,
            body: #"{"mode":"zero_range","offset":0,"length":4096}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "offset beyond any Int64", path: fallocate,
            body: #"{"mode":"allocate","offset":9223372036854775808,"length":4096}"#, status: 400),
        .init(
            testDescription: "offset as a string", path: fallocate,
            body: #"{"mode":"allocate","offset":"0","length":4096}"#, status: 400),
        .init(
            testDescription: "fractional length", path: fallocate,
            body: #"{"mode":"allocate","offset":0,"length":4096.5}"#, status: 400),
        .init(
            testDescription: "keep_size as a string", path: fallocate,
            body: #"{"mode":"allocate","offset":0,"length":4096,"keep_size":"yes"}"#, status: 400),
        .init(
            testDescription: "missing length", path: fallocate,
            body: #"{"mode":"allocate","offset":0}"#, status: 400),
        .init(
            testDescription: "unknown field in fallocate", path: fallocate,
            body: #"{"mode":"allocate","offset":0,"length":4096,"flags":3}"#, status: 400),
        // Resize (F12).
        .init(
            testDescription: "negative size", method: "PATCH", path: "/v1/files/{fid}",
            body: #"{"size":-1}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "size as a string", method: "PATCH", path: "/v1/files/{fid}",
            body: #"{"size":"big"}"#, status: 400),
        .init(
            testDescription: "null size", method: "PATCH", path: "/v1/files/{fid}",
            body: #"{"size":null}"#, status: 400),
        .init(
            testDescription: "resize with no size", method: "PATCH", path: "/v1/files/{fid}",
            body: "{}", status: 400),
        .init(
            testDescription: "unknown field in resize", method: "PATCH", path: "/v1/files/{fid}",
            body: #"{"size":8192,"keep":true}"#, status: 400),
        // Seals (S4).
        .init(
            testDescription: "unknown seal name", path: "/v1/files/{fid}/seals",
            body: #"{"seals":["sticky"]}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "seals as a string", path: "/v1/files/{fid}/seals",
            body: #"{"seals":"grow"}"#, status: 400),
        .init(
            testDescription: "a seal as a number", path: "/v1/files/{fid}/seals",
            body: #"{"seals":[4]}"#, status: 400),
        .init(
            testDescription: "unknown field beside seals", path: "/v1/files/{fid}/seals",
            body: #"{"seals":["grow"],"remove":["write"]}"#, status: 400),
        // Creation (M5, M11, F12).
        .init(
            testDescription: "unknown field in flags", path: "/v1/files",
            body: #"{"name":"x","size":4096,"flags":{"sticky":true}}"#, status: 400),
        .init(
            testDescription: "a flag as a string", path: "/v1/files",
            body: #"{"name":"x","size":4096,"flags":{"exec":"yes"}}"#, status: 400),
        .init(
            testDescription: "unknown top-level field in create", path: "/v1/files",
            body: #"{"name":"x","size":4096,"owner":"me"}"#, status: 400),
        .init(testDescription: "create with no size", path: "/v1/files", body: #"{"name":"x"}"#, status: 400),
        .init(
            testDescription: "negative size at creation", path: "/v1/files",
            body: #"{"name":"x","size":-1}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "empty name", path: "/v1/files", body: #"{"name":"","size":0}"#, status: 422,
            errno: "EINVAL"),
        .init(
            testDescription: "250-character name", path: "/v1/files",
            body: #"{"name":"\#(longName)","size":0}"#, status: 422, errno: "EINVAL"),
        .init(
            testDescription: "exec with noexec_seal", path: "/v1/files",
            body: #"{"name":"x","size":0,"flags":{"exec":true,"noexec_seal":true}}"#, status: 422,
            errno: "EINVAL"),
        .init(
            testDescription: "unknown backend", path: "/v1/files",
            body: #"{"name":"x","size":0,"backend":"floppy"}"#, status: 422, errno: "EINVAL"),
        // Content offsets (F14).
        .init(
            testDescription: "negative content offset", method: "PUT",
            path: "/v1/files/{fid}/content?offset=-1",
            body: "abc", contentType: "application/octet-stream", status: 422, errno: "EINVAL"),
        .init(
            testDescription: "content offset not a number", method: "PUT",
            path: "/v1/files/{fid}/content?offset=ten", body: "abc", contentType: "application/octet-stream",
            status: 422, errno: "EINVAL"),
        .init(
            testDescription: "content write past Int64.max", method: "PUT",
            path: "/v1/files/{fid}/content?offset=9223372036854775806", body: "abc",
            contentType: "application/octet-stream", status: 422, errno: "EINVAL"),
        // The body itself.
        .init(testDescription: "empty body", path: fallocate, body: nil, status: 400),
        .init(testDescription: "body that is not JSON", path: fallocate, body: "mode=allocate", status: 400),
        .init(testDescription: "JSON array", path: fallocate, body: "[]", status: 400),
        .init(testDescription: "JSON null", path: fallocate, body: "null", status: 400),
        .init(testDescription: "truncated JSON", path: fallocate, body: #"{"mode":"allocate","#, status: 400),
        .init(
            testDescription: "text/plain body", path: fallocate,
            body: #"{"mode":"allocate","offset":0,"length":4096}"#, contentType: "text/plain", status: 415),
        .init(
            testDescription: "form body", path: "/v1/files/{fid}/seals", body: "seals=grow",
            contentType: "application/x-www-form-urlencoded", status: 415),
    ]

    @Test(arguments: badRequests)
    func impossibleRequestIsRefusedWithProblemJSONAndChangesNothing(request: BadRequest) async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 64 << 10)
        let usage = try await tenant.usage()

        let reply = try await tenant.client.send(
            request.method, request.path.replacingOccurrences(of: "{fid}", with: file.id),
            body: request.body.map { Data($0.utf8) }, headers: ["Content-Type": request.contentType])

        #expect(reply.status == request.status, "\(reply.text)")
        #expect(reply.problem?.status == request.status)
        if let errno = request.errno { #expect(reply.problem?.errno == errno) }
        #expect(try await tenant.file(file.id) == file)
        #expect(try await tenant.usage() == usage)
        #expect(try await tenant.content(of: file) == Data(count: 64 << 10))
    }

    static let malformedIDs = [
        "nonsense", "file_", "file_short", "FILE_0123456789abcdefghjkmnpqrs",
        "file_0123456789abcdefghjkmnpqrs0",
        "file_0123456789abcdefghjkmnpqru", "ten_0123456789abcdefghjkmnpqrs",
        "file_0123456789abcdefghjkmnpq%2F",
        "file_0123456789abcdefghjkmnpqrs",
    ]

    @Test(arguments: malformedIDs)
    func malformedOrUnknownFileIdIs404OnEveryFileRoute(id: String) async throws {
        let tenant = try await Gmemd.api.newTenant()

        for route in Route.file {
            let reply = try await route.send(as: tenant.client, file: id)

            #expect(reply.status == 404, "\(route.testDescription): \(reply.text)")
            if route.method != "HEAD" { #expect(reply.problem?.status == 404, "\(route.testDescription)") }
        }
        #expect(try await tenant.usage().files == 0)
    }

    @Test(arguments: [
        "limit=0", "limit=1001", "limit=-1", "limit=ten", "limit=", "limit=1.5", "cursor=nonsense",
        "cursor=ten_0123456789abcdefghjkmnpqrs",
    ])
    func badLimitOrCursorOnTheFileListingIs422(query: String) async throws {
        let tenant = try await Gmemd.api.newTenant()

        let reply = try await tenant.client.get("/v1/files?\(query)")

        #expect(reply.status == 422, "\(reply.text)")
        #expect(reply.problem?.errno == "EINVAL")
    }

    @Test(arguments: ["cursor=nonsense", "cursor=file_0123456789abcdefghjkmnpqrs"])
    func cursorThatIsNoTenantIdOnTheTenantListingIs422(query: String) async throws {
        let admin = try Admin(try await Gmemd.api.running())

        let reply = try await admin.client.get("/v1/tenants?\(query)")

        #expect(reply.status == 422, "\(reply.text)")
        #expect(reply.problem?.status == 422)
    }

    @Test(arguments: ["limit=0", "limit=1001", "limit=ten"])
    func badLimitOnTheTenantListingIs422(query: String) async throws {
        let admin = try Admin(try await Gmemd.api.running())

        let reply = try await admin.client.get("/v1/tenants?\(query)")

        #expect(reply.status == 422, "\(reply.text)")
        #expect(reply.problem?.status == 422)
    }
}
