import Foundation
import TestSupport
import Testing

/// What gmemd maps: its resident set under load was 28.9 MiB against a 24 MiB target (the
/// performance issue), of which about 6 MiB were Foundation's full library, its
/// internationalization and ICU, none of which gmemd uses: it is built on FoundationEssentials.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FootprintTests {
    @Test func gmemdMapsNeitherFoundationsFullLibraryNorICU() async throws {
        let gmemd = try await Gmemd.shared.running()
        #expect(try await gmemd.get("/v1/health").status == 200)

        // Read to its end: String(contentsOfFile:) stops after the first 4 KiB of a /proc file,
        // which holds only the lowest mappings (a sanitizer's shadow memory, gmemd's own image).
        let file = try #require(FileHandle(forReadingAtPath: "/proc/\(gmemd.pid)/maps"))
        defer { try? file.close() }
        let maps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        let libraries = Set(
            maps.split(separator: "\n").compactMap { $0.split(separator: "/").last.map(String.init) })

        #expect(libraries.contains("libFoundationEssentials.so"), "\(libraries.sorted())")
        #expect(!libraries.contains("libFoundation.so"))
        #expect(!libraries.contains("libFoundationInternationalization.so"))
        #expect(!libraries.contains("lib_FoundationICU.so"))
    }
}
