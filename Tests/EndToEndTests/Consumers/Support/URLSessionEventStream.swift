import Foundation
import FoundationNetworking
import TestSupport

/// An event stream read with URLSession as bytes arrive: a data delegate feeds each piece to an
/// `EventStreamReader` as soon as URLSession has it. (FoundationNetworking on Linux has no
/// `bytes(for:)`; the delegate is how it streams.)
final class URLSessionEventStream: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: the lets below are Sendable; URLSession calls the delegate on its own queue.
    let reader = EventStreamReader()
    let response = OneShot<HTTPURLResponse>()
    private let session: OneShot<URLSession> = OneShot()

    /// Opens `path` with `Accept: text/event-stream` plus `headers`; answers once the response
    /// head is in.
    static func open(_ gmemd: Gmemd, _ path: String, token: String?, headers: [String: String] = [:])
        async throws -> URLSessionEventStream
    {
        let stream = URLSessionEventStream()
        var request = URLRequest(url: gmemd.url(path), timeoutInterval: TimeInterval(60 * TimeScale.factor))
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral, delegate: stream, delegateQueue: nil)
        stream.session.fulfil(.success(session))
        session.dataTask(with: request).resume()
        _ = try await stream.response.value(within: .seconds(20), "the event stream's response head")
        return stream
    }

    /// Stops reading: the client goes away, as a closed browser tab would.
    func cancel() async throws {
        try await session.value(within: .seconds(1), "the session").invalidateAndCancel()
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let http = response as? HTTPURLResponse { self.response.fulfil(.success(http)) }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        reader.feed(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        response.fulfil(.failure(error ?? EndToEndError.malformedResponse("no response head")))
        reader.end()
        session.finishTasksAndInvalidate()
    }
}
