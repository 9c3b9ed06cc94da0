import Foundation
import Testing

/// The seal states of kernel-semantics.md §1c's columns, each reached through the API on a
/// 64 KiB file that already holds data, plus §1e's exec seal on an executable file.
enum SealState: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case unsealed, shrink, grow, write, futureWrite, noexecSeal, execOnExecutable, sealOnly, shrinkGrowWrite

    var testDescription: String { rawValue }

    /// The creation flags: only `noexec_seal` starts with a seal (F_SEAL_EXEC, M4).
    var flags: [String: Bool] { self == .noexecSeal ? ["noexec_seal": true] : [:] }

    /// The seals added once the data is in.
    var added: [String] {
        switch self {
        case .unsealed, .noexecSeal: []
        case .shrink: ["shrink"]
        case .grow: ["grow"]
        case .write: ["write"]
        case .futureWrite: ["future_write"]
        case .execOnExecutable: ["exec"]
        case .sealOnly: ["seal"]
        case .shrinkGrowWrite: ["shrink", "grow", "write"]
        }
    }

    /// The seals the file then lists. A memfd is created executable (mode 0777), so the exec
    /// seal brings shrink, grow, write and future_write with it (X1).
    var listed: Set<String> {
        switch self {
        case .noexecSeal: ["exec"]
        case .execOnExecutable: ["exec", "shrink", "grow", "write", "future_write"]
        default: Set(added)
        }
    }

    static let size: Int64 = 64 << 10
    static let data = Data.pattern(count: Int(size))

    /// A new file of `tenant` in this state, holding `data`.
    func prepare(for tenant: Tenant) async throws -> RemoteFile {
        let file = try await tenant.createFile(size: Self.size, flags: flags)
        try await tenant.write(Self.data, to: file)
        if !added.isEmpty {
            let seals = try await tenant.addSeals(added, to: file)
            guard Set(seals) == listed else {
                throw UnexpectedReply(description: "\(self): seals \(seals), expected \(listed.sorted())")
            }
        }
        return file
    }
}

extension Data {
    /// `count` bytes that differ from their neighbours, so a misplaced byte shows.
    static func pattern(count: Int, seed: UInt8 = 1) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) | 1 })
    }
}
