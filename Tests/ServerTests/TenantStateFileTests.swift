import Foundation
import GuestMem
import HTTP
import SystemPackage
import TestSupport
import Testing

@testable import Server

/// tenants.json is read by gmemds older and newer than the one that wrote it: a newer minor's
/// unknown keys are ignored, the current layout round-trips, and the unversioned list gmemd
/// wrote before the layout had a version still loads.
@Suite(.timeLimit(.scaledMinutes(10)))
struct TenantStateFileTests {
    static let id = "ten_0123456789abcdefghjkmnpqrs"
    static let digest = String(repeating: "ab", count: 32)

    @Test func aNewerMinorWithUnknownKeysEverywhereLoads() throws {
        let text = """
            {"format_major": 1, "format_minor": 7, "written_by": {"gmemd": "9.9"},
             "tenants": [{"id": "\(Self.id)", "name": "vm-team", "token_digest": "\(Self.digest)",
               "created_at": "2026-12-06T08:16:35Z", "version": 4, "labels": ["a", "b"],
               "limits": {"max_bytes": 1048576, "max_files": 3, "max_pins": 12, "max_widgets": {"x": null}}}]}
            """

        let records = try TenantStateFile.records(from: Array(text.utf8))

        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.id.rawValue == Self.id)
        #expect(record.name == "vm-team")
        #expect(record.credentialDigest == Self.digest)
        #expect(record.version == 4)
        #expect(WireTime.string(record.createdAt) == "2026-12-06T08:16:35Z")
        #expect(record.limits.maxBytes == 1 << 20)
        #expect(record.limits.maxFiles == 3)
        #expect(record.limits.maxConsumers == TenantLimits.default.maxConsumers)
    }

    @Test func theCurrentLayoutRoundTripsThroughAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "gmemd-state-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = TenantStateFile(stateDirectory: FilePath(directory.path))
        let records = [
            TenantRecord(
                id: TenantID(Self.id)!, name: "say \"hi\" / é 🧠", credentialDigest: Self.digest,
                limits: TenantLimits(
                    maxBytes: .max, maxLockedBytes: 0, maxFiles: 1, maxConsumers: 2, maxVMs: 3),
                createdAt: Timestamp(nanosecondsSinceEpoch: 1_796_543_795_000_000_000), version: 9),
            TenantRecord(
                id: .random(), name: "b", credentialDigest: "", limits: .default,
                createdAt: Timestamp(nanosecondsSinceEpoch: 0)),
        ].sorted { $0.id < $1.id }

        try file.save(records)
        let saved =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appending(path: "tenants.json")))
            as? [String: Any]

        #expect(try file.load() == records)
        #expect(saved?["format_major"] as? Int == TenantStateFile.major)
        #expect(saved?["format_minor"] as? Int == TenantStateFile.minor)
        #expect((saved?["tenants"] as? [Any])?.count == 2)
    }

    /// Byte for byte what gmemd wrote before the layout had a version (sorted keys, a bare list),
    /// with the older shapes inside it: no `version`, no `max_vms`, milliseconds in `created_at`.
    @Test func theUnversionedListOfEarlierGmemdsLoads() throws {
        let other = "ten_zyxwvtsrqpnmkjhgfedcba9876"
        let text = """
            [{"created_at":"2026-12-06T08:16:35Z","id":"\(Self.id)","limits":{"max_bytes":4294967296,\
            "max_consumers":256,"max_files":1024,"max_locked_bytes":1073741824,"max_vms":2},\
            "name":"vm-team","token_digest":"\(Self.digest)","version":3},\
            {"created_at":"2026-12-06T08:16:35.144Z","id":"\(other)","limits":{"max_bytes":1,\
            "max_consumers":2,"max_files":3,"max_locked_bytes":0},"name":"old","token_digest":"\(Self.digest)"}]
            """

        let records = try TenantStateFile.records(from: Array(text.utf8))

        #expect(records.map(\.id.rawValue) == [Self.id, other])
        #expect(records.map(\.version) == [3, 1])
        #expect(records.map(\.limits.maxVMs) == [2, TenantLimits.defaultMaxVMs])
        #expect(
            records.map { WireTime.string($0.createdAt) } == ["2026-12-06T08:16:35Z", "2026-12-06T08:16:35Z"])
        #expect(
            records[1].limits == TenantLimits(maxBytes: 1, maxLockedBytes: 0, maxFiles: 3, maxConsumers: 2))
    }

    @Test func aNewerMajorIsRefusedNamingBothFormats() {
        let text = #"{"format_major": 2, "format_minor": 0, "tenants": []}"#

        let error = #expect(throws: TenantStateFile.NewerFormat.self) {
            try TenantStateFile.records(from: Array(text.utf8))
        }

        #expect(error?.description.contains("format 2.0") == true)
        #expect(error?.description.contains("format 1.x") == true)
    }

    /// A tenant created with an Idempotency-Key keeps the creating answer in the same file, while
    /// the key counts; an older receipt is neither loaded nor written again (it holds a token).
    @Test func aReceiptRoundTripsWhileItCountsAndIsDroppedOnceOlder() throws {
        let answer = try #require(
            StoredAnswer(
                Response(
                    status: .created, contentType: "application/json", bytes: Array(#"{"token":"t"}"#.utf8))))
        let now = Timestamp.now()
        let fresh = TenantRecord(
            id: TenantID(Self.id)!, name: "kept", credentialDigest: Self.digest, limits: .default,
            createdAt: now,
            receipt: CreationReceipt(key: "k", fingerprint: "f", answer: answer.bytes, createdAt: now))
        var stale = TenantRecord(
            id: .random(), name: "old", credentialDigest: Self.digest, limits: .default, createdAt: now)
        stale.receipt = CreationReceipt(
            key: "k2", fingerprint: "f", answer: answer.bytes,
            createdAt: IdempotencyKeys.cutoff(
                at: Timestamp(nanosecondsSinceEpoch: now.nanosecondsSinceEpoch - 1_000_000_000)))

        let loaded = try TenantStateFile.records(from: TenantStateFile.bytes(of: [fresh, stale]))
        let kept = try #require(loaded.first { $0.name == "kept" })
        let written = String(decoding: TenantStateFile.bytes(of: [stale]), as: UTF8.self)

        #expect(kept.receipt == fresh.receipt)
        #expect(try StoredAnswer(bytes: try #require(kept.receipt).answer) == answer)
        #expect(loaded.first { $0.name == "old" }?.receipt == nil)
        #expect(!written.contains("idempotency"))
    }

    @Test func aFileOfMinor0HasNoReceipts() throws {
        let text = """
            {"format_major": 1, "format_minor": 0, "tenants": [{"id": "\(Self.id)", "name": "n",
              "token_digest": "\(Self.digest)", "created_at": "2026-12-06T08:16:35Z", "limits": {}}]}
            """

        let records = try TenantStateFile.records(from: Array(text.utf8))

        #expect(records.map(\.receipt) == [nil])
    }
}
