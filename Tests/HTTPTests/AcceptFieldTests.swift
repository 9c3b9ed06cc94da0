import TestSupport
import Testing

@testable import HTTP

/// `Accept` (RFC 9110 §12.5.1): the weight a client gives a media type, from its field values.
@Suite(.timeLimit(.scaledMinutes(10)))
struct AcceptFieldTests {
    @Test(
        arguments: [
            ([], "text/event-stream", 1000),
            ([""], "application/json", 1000),
            (["application/json"], "application/json", 1000),
            (["application/json"], "text/event-stream", 0),
            (["application/json, text/event-stream, application/problem+json"], "text/event-stream", 1000),
            (["application/json;q=0.5, text/event-stream"], "application/json", 500),
            (["application/json; q=0.25 ; ext=1"], "application/json", 250),
            (["text/event-stream;charset=utf-8;q=0.9"], "text/event-stream", 900),
            (["*/*;q=0.1"], "text/event-stream", 100),
            (["text/*;q=0.3, */*;q=0.1"], "text/event-stream", 300),
            (["text/*;q=0.3, text/event-stream;q=0"], "text/event-stream", 0),
            (["*/*, application/json;q=0"], "application/json", 0),
            (["application/*;q=0.2"], "text/event-stream", 0),
            (["TEXT/Event-Stream;Q=0.7"], "text/event-stream", 700),
            (["text/event-stream;q=0.4, text/event-stream;q=0.6"], "text/event-stream", 600),
            (["text/html", "text/event-stream;q=0.5"], "text/event-stream", 500),
            ([" , text/event-stream;q=1.000 ,, "], "text/event-stream", 1000),
            (["text/event-stream;q=0."], "text/event-stream", 0),
            (["text/event-stream;q=1"], "text/event-stream", 1000),
        ] as [([String], String, Int)])
    func weightIsThatOfTheMostSpecificRangeCoveringTheType(fields: [String], type: String, weight: Int) throws
    {
        let parts = type.split(separator: "/").map(String.init)

        let accept = try AcceptField(fields)

        #expect(accept.weight(of: parts[0], parts[1]) == weight)
    }

    @Test(arguments: [
        "json", "text/", "/json", "*/json", "text/event stream", "text/event-stream;q=2",
        "text/event-stream;q=1.001", "text/event-stream;q=0.1234", "text/event-stream;q=",
        "text/event-stream;q=-1",
        "text/event-stream;q=abc",
    ])
    func malformedMemberIsRefusedNamingIt(field: String) {
        let error = #expect(throws: AcceptField.Malformed.self) { try AcceptField([field]) }

        #expect(error?.reason.isEmpty == false)
    }
}
