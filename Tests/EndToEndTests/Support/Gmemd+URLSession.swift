import Foundation
import FoundationNetworking
import TestSupport

extension Gmemd {
    /// One request with URLSession, the way a Swift client of gmemd would make it.
    func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:])
        async throws -> HTTPReply
    {
        var request = URLRequest(url: url(path), timeoutInterval: TimeInterval(30 * TimeScale.factor))
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else {
            throw EndToEndError.malformedResponse("not an HTTP response: \(response)")
        }
        let fields = http.allHeaderFields.map { HTTPReply.Field(name: "\($0.key)", value: "\($0.value)") }
        return HTTPReply(status: http.statusCode, fields: fields, body: data)
    }

    func get(_ path: String) async throws -> HTTPReply { try await request("GET", path) }
}
