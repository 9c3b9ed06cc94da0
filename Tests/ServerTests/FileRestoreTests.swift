import Foundation
import GuestMem
import SystemPackage
import TestSupport
import Testing

@testable import Server

/// What a start does with the journal's records: a guest_memfd's cannot come back (its VM ended
/// with the process that made it), and is reported lost, never dropped silently. The journal
/// lines are written as gmemd writes them; no KVM is needed to read them back.
@Suite(.timeLimit(.scaledMinutes(10)))
struct FileRestoreTests {
    let folder = FilePath(FileManager.default.temporaryDirectory.appending(path: "restore-\(UUID())").path)

    @Test func aGuestMemfdsRecordIsReportedLostWithWhyAndForgotten() throws {
        let (file, vm) = (FileID.random(), VMID.random())
        let now = Timestamp.now()
        let written = try FileStateDirectory(
            stateDirectory: folder, notifier: ServiceNotifier(environment: [:]))
        try written.changed(
            FileRecord(
                id: file, tenant: .random(), name: "gmem0", flags: FileFlags(allowSealing: false), seals: [],
                size: 1 << 20, version: 1, createdAt: now, updatedAt: now, inode: 0, isExported: false,
                consumers: [], dirty: [], vm: vm))

        let started = try FileStateDirectory(
            stateDirectory: folder, notifier: ServiceNotifier(environment: [:]))
        var descriptors: [String: Int32] = [:]
        let report = FileRestore.run(
            &descriptors, files: started, memory: MemoryStore(), keys: IdempotencyKeys(),
            notifier: ServiceNotifier(environment: [:]))

        #expect(report.restored == 0)
        #expect(report.lost == [file.rawValue])
        let reason = try String(
            contentsOfFile: folder.appending("files/lost/\(file.rawValue).reason").string, encoding: .utf8)
        #expect(reason.contains("guest_memfd of \(vm)"))
        #expect(
            FileManager.default.fileExists(
                atPath: folder.appending("files/lost/\(file.rawValue).json").string))
        let again = try FileStateDirectory(
            stateDirectory: folder, notifier: ServiceNotifier(environment: [:]))
        #expect(again.load().records.isEmpty)
    }
}
