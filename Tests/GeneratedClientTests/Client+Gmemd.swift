import Foundation
import HTTPTypes
import OpenAPIRuntime
import OpenAPIURLSession
import TestSupport

extension Client {
    /// The generated client for `gmemd` over URLSession, sending `token` as a bearer token:
    /// openapi.yaml's `bearer` scheme, which generated clients leave to a middleware.
    init(_ gmemd: Gmemd, token: String) {
        self.init(
            serverURL: gmemd.url(""), transport: URLSessionTransport(), middlewares: [Bearer(token: token)])
    }

    /// The client of the instance's admin, with the token gmemd generated into its state directory.
    static func admin(of gmemd: Gmemd) throws -> Client {
        let token = try String(
            contentsOf: gmemd.stateDirectory.appending(path: "admin-token"), encoding: .utf8)
        return Client(gmemd, token: token.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A new tenant's client; the tenant is made by the admin through the generated client too.
    static func newTenant(of gmemd: Gmemd) async throws -> Client {
        let created = try await admin(of: gmemd).createTenant(body: .json(.init(name: "generated"))).created
            .body
            .json
        guard let token = created.token else {
            throw EndToEndError.malformedResponse("a created tenant without its token: \(created)")
        }
        return Client(gmemd, token: token)
    }
}

/// `Authorization: Bearer TOKEN` on every request.
struct Bearer: ClientMiddleware {
    let token: String

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}
