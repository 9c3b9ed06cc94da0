import Foundation
import HTTP
import TestSupport
import Testing

@testable import Server

/// How a JSON request body is refused: the same body always gets the same answer.
@Suite(.timeLimit(.scaledMinutes(10)))
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

/// The flat decoder (FlatJSONDecoder): the bodies it answers for, JSONDecoder decodes to the same
/// value; the rest, and every refusal, it leaves to JSONDecoder.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FlatJSONDecoderTests {
    /// Bodies at the edges of the subset it reads, and just past them.
    static let bodies = [
        #"{"mode":"punch_hole","offset":0,"length":4096}"#,
        #" { "mode" : "allocate" ,"offset":4096, "length":8192,"keep_size":true }"#,
        "{\t\"mode\":\"allocate\",\r\n\"offset\":1,\"length\":2,\"keep_size\":false}\n",
        #"{"mode":"allocate","offset":9223372036854775807,"length":1}"#,
        #"{"mode":"allocate","offset":-9223372036854775808,"length":1}"#,
        #"{"mode":"allocate","offset":9223372036854775808,"length":1}"#,
        #"{"mode":"allocate","offset":-0,"length":1}"#,
        #"{"mode":"allocate","offset":01,"length":1}"#,
        #"{"mode":"allocate","offset":1.0,"length":1}"#,
        #"{"mode":"allocate","offset":1e3,"length":1}"#,
        #"{"mode":"allocate","offset":1,"length":1,"offset":2}"#,
        #"{"mode":"allocate","offset":1,"length":1,"keepSize":true}"#,
        #"{"mode":"allocate","offset":1,"length":1,"keep__size":true}"#,
        #"{"mode":"allocate","offset":1,"length":1,"keep_size":null}"#,
        #"{"mode":"allocate","offset":1,"length":1,"keep_size":1}"#,
        #"{"mode":"allocate","offset":"1","length":1}"#,
        #"{"mode":"all\u006fcate","offset":1,"length":1}"#,
        #"{"mode":"allocate","offset":1,"length":1,}"#,
        #"{"mode":"allocate","offset":1,"length":1}x"#,
        #"{"mode":"allocate","offset":1,"length":1,"flags":{}}"#,
        #"{"mode":"allocate","offset":1}"#,
        #"{"size":8192}"#, #"{"size":-1}"#, #"{"offset":0,"length":4096,"allocate":true}"#,
        #"{"kind":"vfio","label":"nic","offset":0,"length":65536,"exclusive":true}"#,
        #"{"kind":"kvm","vm":"vm_0123456789abcdefghjkmnpqrs","gpa":1073741824}"#,
        #"{"kind":"process","access":"read_only"}"#, #"{"kind":"generic","label":"\u0007"}"#,
        #"{"kind":"generic","label":"é"}"#, #"{"name":"ram0","size":67108864}"#,
        #"{"name":"ram0","size":4096,"adopt":false,"backend":"memfd"}"#, #"{"name":""}"#, "{}",
        #"{"name":"t","limits":{"max_bytes":1}}"#, #"{"seals":["grow"]}"#, "[]", "null", "1", #""x""#,
        "\u{FEFF}{\"size\":1}", "{\"size\":1}\u{0}",
    ]

    @Test(arguments: bodies)
    func whereItAnswersJSONDecoderDecodesTheSameValue(body: String) {
        let bytes = Array(body.utf8)
        agree(FallocateBody.self, bytes)
        agree(ResizeFileBody.self, bytes)
        agree(PinBody.self, bytes)
        agree(AttachConsumerBody.self, bytes)
        agree(CreateVMBody.self, bytes)
        agree(CreateFileBody.self, bytes)
        agree(CreateTenantBody.self, bytes)
        agree(AddSealsBody.self, bytes)
    }

    private func agree<T: JSONBody>(_: T.Type, _ body: [UInt8]) {
        guard let flat = FlatJSONDecoder.decode(T.self, from: body) else { return }
        let foundation = Result { () throws(Server.Problem) in
            try Request.decodeWithFoundation(T.self, from: body)
        }
        #expect("\(foundation)" == "\(Result<T, Server.Problem>.success(flat))", "\(T.self)")
    }

    /// The bodies a client sends most are read without JSONDecoder (23% of a punch's CPU).
    @Test func everyDayFlatBodiesAreReadByIt() throws {
        let punch = try #require(
            FlatJSONDecoder.decode(
                FallocateBody.self, from: Array(#"{"mode":"punch_hole","offset":0,"length":4096}"#.utf8)))
        #expect((punch.mode, punch.offset, punch.length, punch.keepSize) == ("punch_hole", 0, 4096, nil))
        let allocate = try #require(
            FlatJSONDecoder.decode(
                FallocateBody.self,
                from: Array(#"{"mode":"allocate","offset":-5,"length":9,"keep_size":true}"#.utf8)))
        #expect((allocate.offset, allocate.length, allocate.keepSize) == (-5, 9, true))
        #expect(
            FlatJSONDecoder.decode(ResizeFileBody.self, from: Array(#"{"size":8192}"#.utf8))?.size == 8192)
        let pin = FlatJSONDecoder.decode(PinBody.self, from: Array(#"{"offset":0,"length":4096}"#.utf8))
        #expect(pin?.length == 4096)
        let file = FlatJSONDecoder.decode(
            CreateFileBody.self, from: Array(#"{"name":"ram0","size":4096}"#.utf8))
        #expect(file?.name == "ram0")
    }

    /// Refusals are JSONDecoder's, word for word: the flat decoder never answers them.
    @Test(arguments: [
        (#"{"mode":"punch_hole","offset":0,"length":4096,"flags":3}"#, "unknown field 'flags'"),
        (
            #"{"mode":"punch_hole","offset":0,"length":4096,"keep_size":null}"#,
            "'keep_size': must not be null; leave the field out instead"
        ),
        (#"{"mode":"punch_hole","offset":"0","length":4096}"#, "'offset' must be an integer"),
        (#"{"mode":"punch_hole","offset":0}"#, "missing field 'length'"),
    ])
    func aRefusalNamesWhatJSONDecoderNames(body: String, detail: String) {
        let problem = #expect(throws: Problem.self) {
            try JSONBodyTests.request(body).decodeJSON(FallocateBody.self)
        }
        #expect(problem?.status == 400)
        #expect(problem?.detail == detail)
        #expect(FlatJSONDecoder.decode(FallocateBody.self, from: Array(body.utf8)) == nil)
    }
}

/// The Content-Type check of a JSON body: judged on its bytes, it says what Foundation's trimming
/// and lowercasing said of it.
@Suite(.timeLimit(.scaledMinutes(10)))
struct JSONContentTypeTests {
    @Test(arguments: [
        "application/json", "application/json; charset=utf-8", "Application/JSON", " \tapplication/json \t",
        "application/problem+json", "APPLICATION/LD+JSON;x=1", ";application/json", ";;application/json",
        "application/jsonx", "application/json5", "text/plain", "", ";", " ; ", "+json", "json",
        "application/ json", "application/json\u{000B}", "application/json\u{00A0}",
        "\u{2003}application/json",
        "application/vnd.api+JSON ", "x+json;", "application/json,text/plain",
    ])
    func aContentTypeIsJSONExactlyWhenFoundationSaidSo(contentType: String) {
        let mediaType = contentType.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
            .lowercased()
        let foundationSays = mediaType == "application/json" || (mediaType?.hasSuffix("+json") ?? false)

        #expect(Request.isJSON(contentType) == foundationSays)
    }

    @Test func jsonAndPlusJSONTypesAreJSONAndOthersNot() {
        #expect(Request.isJSON("application/json; charset=utf-8"))
        #expect(Request.isJSON("application/merge-patch+json"))
        #expect(!Request.isJSON("text/plain"))
        #expect(!Request.isJSON("application/x-www-form-urlencoded"))
    }
}
