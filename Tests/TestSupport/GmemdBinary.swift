package import Foundation

/// Where the `gmemd` under test is: `GMEMD_BIN` if set, else beside the test runner, because
/// `swift test` builds every product into the same `<scratch>/debug/` folder as the runner.
package enum GmemdBinary {
    package static func url() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["GMEMD_BIN"] {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw EndToEndError.binaryNotFound("GMEMD_BIN=\(path) is not an executable file")
            }
            return URL(filePath: path)
        }
        let runner = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        var folder = URL(filePath: runner).deletingLastPathComponent()
        // On a platform where the runner sits inside an .xctest bundle, start from the bundle's folder.
        while folder.path.contains(".xctest") { folder = folder.deletingLastPathComponent() }
        let binary = folder.appending(path: "gmemd")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw EndToEndError.binaryNotFound(
                "no executable at \(binary.path); build it (swift build --product gmemd) or set GMEMD_BIN")
        }
        return binary
    }
}
