import HTTP
import Testing

@testable import Server

/// How a JSON request body is refused: the same body always gets the same answer.
@Suite(.timeLimit(.minutes(1)))
struct JSONBodyTests {
    static func request(_ body: String) -> Request {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        return Request(method: .post, target: "/v1/tenants", headers: headers, body: Array(body.utf8))
    }

    /// The JSON fuzz target's first finding: the unknown field named was whichever a dictionary
    /// listed first, so the same body got different details from one process to the next.
    @Test func bodyWithTwoUnknownFieldsNamesBothInNameOrderEveryTime() {
        let body = #"{"name":"t","limits":{"zeta":1,"max_ed_bytes":0,"umers":8}}"#
        var details = Set<String>()
        for _ in 0..<20 {
            let problem = #expect(throws: Problem.self) {
                try Self.request(body).decodeJSON(CreateTenantBody.self)
            }
            #expect(problem?.status == 400)
            details.insert(problem?.detail ?? "")
        }
        #expect(details == ["unknown fields 'max_ed_bytes', 'umers', 'zeta'"])
    }
}
