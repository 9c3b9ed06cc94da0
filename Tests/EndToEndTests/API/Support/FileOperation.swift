import Foundation
import TestSupport
import Testing

/// The operations of kernel-semantics.md §1c's rows, on a 64 KiB file, as a tenant sends them.
enum FileOperation: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case writeInside, writeAtTheEnd, read, shrink, grow, resizeToTheSameSize
    case allocateInside, allocateAtTheEnd, allocateKeepingSizePastTheEnd, punchInside, punchPastTheEnd

    var testDescription: String { rawValue }

    private static let size = SealState.size
    private static let page: Int64 = 4096

    /// The seals under which the kernel answers EPERM. The write seals also refuse a punch past
    /// the end; grow also refuses a keep-size allocation that leaves the size alone; write does
    /// not stop a shrink or an allocation.
    var refusingSeals: Set<String> {
        switch self {
        case .writeInside, .punchInside, .punchPastTheEnd: ["write", "future_write"]
        case .writeAtTheEnd: ["grow", "write", "future_write"]
        case .shrink: ["shrink"]
        case .grow, .allocateAtTheEnd, .allocateKeepingSizePastTheEnd: ["grow"]
        case .read, .resizeToTheSameSize, .allocateInside: []
        }
    }

    /// The file's size after the operation succeeded.
    var sizeAfter: Int64 {
        switch self {
        case .writeAtTheEnd, .allocateAtTheEnd: Self.size + Self.page
        case .shrink: Self.size / 2
        case .grow: Self.size * 2
        default: Self.size
        }
    }

    func run(on file: RemoteFile, as tenant: Tenant) async throws -> HTTPReply {
        let page = Data(repeating: 0xee, count: Int(Self.page))
        let content = file.path + "/content"
        switch self {
        case .writeInside: return try await tenant.client.put(content + "?offset=0", bytes: page)
        case .writeAtTheEnd: return try await tenant.client.put(content + "?offset=\(Self.size)", bytes: page)
        case .read: return try await tenant.client.get(content)
        case .shrink: return try await tenant.resize(file, to: Self.size / 2)
        case .grow: return try await tenant.resize(file, to: Self.size * 2)
        case .resizeToTheSameSize: return try await tenant.resize(file, to: Self.size)
        case .allocateInside:
            return try await tenant.fallocate(file, "allocate", offset: 0, length: Self.page)
        case .allocateAtTheEnd:
            return try await tenant.fallocate(file, "allocate", offset: Self.size, length: Self.page)
        case .allocateKeepingSizePastTheEnd:
            return try await tenant.fallocate(
                file, "allocate", offset: Self.size, length: Self.page, keepSize: true)
        case .punchInside:
            return try await tenant.fallocate(file, "punch_hole", offset: 0, length: Self.page)
        case .punchPastTheEnd:
            return try await tenant.fallocate(file, "punch_hole", offset: Self.size * 2, length: Self.page)
        }
    }
}
