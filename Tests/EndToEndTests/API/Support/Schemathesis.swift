import Foundation
import TestSupport

/// The schemathesis CLI (`st`, PyPI `schemathesis`) run against a gmemd with openapi.yaml,
/// from a scratch folder that holds its configuration and hooks, so that nothing it writes
/// lands in the repository.
enum Schemathesis {
    /// The checks every run makes: at least the four the memory-files issue names.
    static let checks = [
        "not_a_server_error", "status_code_conformance", "content_type_conformance",
        "response_schema_conformance", "response_headers_conformance",
    ]

    /// 507 is the contract's answer to the host's own headroom (design.md §3), which a loaded
    /// host may reach; every other 5xx still fails the run. A tenant's limits answer 403.
    static let configuration = """
        hooks = "hooks.py"

        [checks.not_a_server_error]
        expected-statuses = ["2xx", "3xx", "4xx", "507"]
        """

    /// A file may be up to Int64.max bytes long, all of it a hole, and schemathesis reads a
    /// response body whole into memory: a whole-content GET of a generated file could ask for
    /// terabytes. So every readContent request that does not already ask for a small byte range
    /// asks for the first 64 KiB (206, or 416 on an empty file).
    static let hooks = """
        import re
        import schemathesis

        SMALL = 1 << 20
        BOUNDED = re.compile(r"^bytes=(\\d+)-(\\d+)$|^bytes=-(\\d+)$")


        def is_small(value):
            match = BOUNDED.match(value or "")
            if not match:
                return False
            if match.group(3) is not None:
                return int(match.group(3)) <= SMALL
            return int(match.group(2)) - int(match.group(1)) < SMALL


        @schemathesis.hook
        def before_call(context, case, kwargs):
            if case.operation.definition.raw.get("operationId") != "readContent":
                return
            headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "range" or is_small(v)}
            headers.setdefault("Range", "bytes=0-65535")
            case.headers = headers
        """

    static let document = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appending(path: "openapi.yaml")

    /// Runs `st run` over the operations tagged `tag`, as the caller with `token`.
    static func run(_ gmemd: Gmemd, tag: String, token: String, examples: Int) async throws -> Subprocess {
        let folder = FileManager.default.temporaryDirectory.appending(path: "e2e-schemathesis-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(configuration.utf8).write(to: folder.appending(path: "schemathesis.toml"))
        try Data(hooks.utf8).write(to: folder.appending(path: "hooks.py"))
        return try await Subprocess.run(
            "env",
            [
                "-C", folder.path, "st", "--config-file", "schemathesis.toml", "run", document.path,
                "--url", gmemd.url("").absoluteString, "-H", "Authorization: Bearer \(token)",
                "--include-tag", tag, "--checks", checks.joined(separator: ","),
                "--max-examples", "\(examples)", "--generation-database", "none", "--no-color",
            ], within: .seconds(600))
    }
}
