import Foundation
import TestSupport
import Testing

/// openapi.yaml is the contract (design.md §1): it must at least be a valid OpenAPI document.
@Suite(.timeLimit(.scaledMinutes(10)))
struct OpenAPITests {
    static let document = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "openapi.yaml")

    @Test func openAPIDocumentPassesTheSpecValidator() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.document.path), "no \(Self.document.path)")

        let result = try await Subprocess.run(
            "python3", ["-m", "openapi_spec_validator", Self.document.path])

        if result.stderr.contains("No module named openapi_spec_validator") {
            Issue.record(
                "python3 lacks openapi-spec-validator: python3 -m pip install openapi-spec-validator (scripts/test.sh does)"
            )
        }
        #expect(result.succeeded, "\(result.stdout)\(result.stderr)")
    }
}
