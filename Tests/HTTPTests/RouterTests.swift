import HTTP
import TestSupport
import Testing

@Suite(.timeLimit(.scaledMinutes(10)))
struct RouterTests {
    static func tagged(_ tag: String) -> Handler {
        .onLoop { _ in Response(status: .ok, contentType: "text/plain", bytes: Array(tag.utf8)) }
    }

    static let router: Router = {
        var router = Router()
        router.add(.get, "/", tagged("root"))
        router.add(.get, "/v1/health", tagged("health"))
        router.add(.get, "/v1/files/{id}", tagged("get file"))
        router.add(.delete, "/v1/files/{id}", tagged("delete file"))
        router.add(.post, "/v1/files/{id}/seals", tagged("seal"))
        router.add(.get, "/v1/tenants/{tenant}/files/{id}", tagged("tenant file"))
        router.add(.put, "/v1/health", tagged("replaced"))
        router.add(.put, "/v1/health", tagged("put health"))
        return router
    }()

    /// The tag of the handler found and its parameters, or nil.
    static func found(_ method: HTTPMethod, _ path: Substring) -> (String, PathParameters)? {
        guard case .found(let handler, let parameters, _) = router.match(method, path: path),
            case .onLoop(let run) = handler
        else { return nil }
        guard case .bytes(let body) = run(Request(method: method, target: String(path))).body else {
            return nil
        }
        return (String(decoding: body, as: UTF8.self), parameters)
    }

    @Test(
        arguments: [
            ("/", "root", [:]),
            ("/v1/health", "health", [:]),
            ("/v1/files/file_1", "get file", ["id": "file_1"]),
            ("/v1/files/a%20b/seals", "seal", ["id": "a%20b"]),
            ("/v1/tenants/t1/files/f2", "tenant file", ["tenant": "t1", "id": "f2"]),
        ] as [(Substring, String, PathParameters)])
    func pathFindsItsRouteWithItsParameters(path: Substring, tag: String, parameters: PathParameters) {
        let method: HTTPMethod = tag == "seal" ? .post : .get
        let result = Self.found(method, path)
        #expect(result?.0 == tag)
        #expect(result?.1 == parameters)
    }

    @Test func parametersAreFoundByNameAndCompareInAnyOrder() {
        let parameters: PathParameters = ["tenant": "t1", "id": "f2"]
        #expect(parameters["id"] == "f2")
        #expect(parameters["fid"] == nil)
        #expect(parameters == ["id": "f2", "tenant": "t1"])
        #expect(parameters != ["id": "f2", "tenant": "t2"])
        #expect(parameters != ["id": "f2"])
    }

    @Test func laterRegistrationOfTheSameMethodAndPatternReplacesTheEarlier() {
        #expect(Self.found(.put, "/v1/health")?.0 == "put health")
    }

    @Test func headFallsBackToTheGetRoute() {
        #expect(Self.found(.head, "/v1/files/x")?.0 == "get file")
    }

    @Test func knownPathWithAnotherMethodListsTheAllowedOnes() {
        guard case .methodNotAllowed(let allowed) = Self.router.match(.post, path: "/v1/files/x") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == [.delete, .get, .head])
    }

    @Test(
        arguments: [
            "/v1", "/v1/", "/v1/files", "/v1/files/", "/v1/files//seals", "/v1/files/x/", "/v1/health/x",
            "//v1/health",
            "v1/health", "*", "/v2/health", "",
        ] as [Substring])
    func pathOfNoRouteIsNotFound(path: Substring) {
        guard case .notFound = Self.router.match(.get, path: path) else {
            Issue.record("\(path) matched")
            return
        }
    }
}
