import Foundation
import TestSupport
import Testing

/// openapi.yaml held against the running server by schemathesis with every check
/// (Tests/Scripts/contract.py): over every operation, as a tenant and as the admin, with real
/// ids, every answer to generated requests, valid and invalid, must be one the contract allows,
/// in the shape, content type and headers it gives; a request the schema allows must get a status
/// the operation documents, one it refuses must be refused; never a server error. A fixed seed
/// and a bounded number of examples per operation keep a run to a minute or two.
@Suite(.timeLimit(.scaledMinutes(15)))
struct SchemathesisTests {
    enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case tenant, admin

        var testDescription: String { "as the \(rawValue)" }
    }

    static let script = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Scripts/contract.py")

    @Test(arguments: Caller.allCases)
    func schemathesisWithEveryCheckOverEveryOperationFindsNothing(caller: Caller) async throws {
        try await Gmemd.withInstance([]) { gmemd in
            let result = try await Subprocess.run(
                "python3",
                [
                    Self.script.path, "--url", gmemd.url("").absoluteString,
                    "--admin-token-file", gmemd.stateDirectory.appending(path: "admin-token").path,
                    "--caller", caller.rawValue, "--examples", "20", "--seed", "1", "--time-limit", "600",
                ], within: .seconds(660))

            if result.stderr.contains("No such file or directory: 'st'") {
                Issue.record("no `st` on PATH: python3 -m pip install schemathesis (scripts/test.sh does)")
            }
            let summary = result.stdout.split(separator: "\n").last { $0.hasPrefix("=") } ?? ""
            #expect(result.succeeded, "\(result.stdout.suffix(12000))\(result.stderr.suffix(3000))")
            #expect(
                summary.contains(" in ") && !summary.contains("fail") && !summary.contains("error"),
                "\(summary)")
        }
    }
}
