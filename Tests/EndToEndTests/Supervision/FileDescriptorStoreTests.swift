import Foundation
import TestSupport
import Testing

/// Memory files outlive gmemd under a service manager: every memfd goes to the manager's fd
/// store before its create answers, and a gmemd started with the stored fds (sd_listen_fds) takes
/// each back under its journal record. The manager is Tests/Scripts/service_manager.py, which
/// plays systemd's side of sd_notify (FDSTORE=1, FDNAME, FDSTOREREMOVE=1) and of socket
/// activation on a Unix datagram socket, as the protocol defines them; it hands gmemd the same
/// listening socket at every start, so the port stays and clients queue in its backlog.
@Suite(.timeLimit(.scaledMinutes(20)))
struct FileDescriptorStoreTests {
    private func manager(_ arguments: [String], within limit: Duration) async throws -> Subprocess {
        try await ServiceManagerScript.run(arguments, within: limit)
    }

    /// 50 kill -9s at random points of a stream of creates, writes, punches and deletes: after
    /// each relaunch every file answered 201 is there with the content last acknowledged (or, for
    /// a change in flight at the kill, the content before it), no id appears that no create asked
    /// for, gmemd holds exactly one memfd per file (before it sends any content, and again once the
    /// content reads' dups are closed) and the store one per file, and the tenant's usage is the
    /// sum over its files.
    @Test func fiftyKillsLoseNoAcknowledgedFileOrWriteAndLeakNoDescriptor() async throws {
        let result = try await manager(["crash-loop", "--kills", "50", "--seed", "1"], within: .seconds(900))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"kills\": 50"), "\(result.stdout)")
    }

    /// Stored memfds that no journal record names, as a create killed between its FDSTORE=1 and
    /// its journal line leaves, or a delete killed between its logged removal and its
    /// FDSTOREREMOVE=1, are closed and dropped from the store before READY=1: right after it, before
    /// any request, gmemd holds only the kept file's memfd and the store nothing else, and neither
    /// orphan counts as a lost file.
    @Test func storedMemfdsNoRecordNamesAreClosedAndDroppedBeforeReady() async throws {
        let result = try await manager(["orphans"], within: .seconds(120))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"closed\""), "\(result.stdout)")
    }

    /// A create answers only once the manager has handled its FDSTORE=1 (BARRIER=1 after it): while
    /// the manager reads nothing the create waits, and once it reads, the create answers 201 after
    /// the manager handled the barrier, the file's memfd in its store.
    @Test func aCreateAnswersOnlyOnceTheManagerHandledItsStore() async throws {
        let result = try await manager(["barrier"], within: .seconds(120))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"barriers\": 1"), "\(result.stdout)")
    }

    /// The acceptance: the same Idempotency-Key replayed after a kill -9 returns the
    /// original object. A memfd file, a consumer and a pin made with keys are each answered again
    /// (the first 201, Idempotent-Replayed: true) and made once; the file's key with another body
    /// is 422; a consumer detached before the kill leaves its key free, and a retry makes another.
    @Test func keysOfAFileAConsumerAndAPinReplayTheirObjectsAfterAKill() async throws {
        let result = try await manager(["idempotency"], within: .seconds(120))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
    }

    /// What a restart does to KVM objects: the VM is gone (404), and its Idempotency-Key with it
    /// (a retry makes a new VM), the memfd file it bound keeps its content, and the consumer of
    /// the memslot ends with `detached` (reason restart) while the file's other consumer stays
    /// attached.
    @Test(.needsKVM)
    func aVMEndsWithItsProcessAndItsMemslotConsumerIsDetachedByTheRestart() async throws {
        let result = try await manager(["vms"], within: .seconds(120))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
    }

    /// A QEMU guest (TCG) whose RAM is a gmemd file, received through `gmemd fd`, keeps running
    /// across a live upgrade (SIGUSR2) and a kill -9 restart; after each, bytes PUT through gmemd
    /// are what the guest reads (QMP `xp`), and after both a punch zeroes the guest's page and its
    /// process consumer hears the invalidate.
    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64"),
            "needs qemu-system-x86_64: Debian's qemu-system-x86 (scripts/deps.sh installs it)"))
    func aQEMUGuestOnAGmemdFileRunsOnAcrossAnUpgradeAndAKill() async throws {
        let result = try await manager(["qemu"], within: .seconds(300))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
    }

    /// A consumer with a pin, its seals, dirty log and usage read the same after a kill -9; its
    /// events go on after its seq lease, past every seq a reader saw, a reader from its last seq or
    /// from 0 is told by an overflow what it may have lost, and a punch after the restart still
    /// revokes the pin.
    @Test func aConsumerItsPinAndItsEventSequenceSurviveAKill() async throws {
        let result = try await manager(["consumers"], within: .seconds(120))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
    }

    /// Punches answer without a journal line of their own while the file's version lease lasts:
    /// after a kill -9 the file's ETag is none handed out before it and If-Match with any of
    /// those is 412; after a clean stop the ETag is exactly the last one.
    @Test func noETagHandedOutBeforeAKillMatchesAfterItAndACleanStopKeepsTheLast() async throws {
        let result = try await manager(["versions"], within: .seconds(120))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"etags\": 51"), "\(result.stdout)")
    }

    /// Four Server-Sent Events readers of a file with 32 consumers, punched without pause, across
    /// ten kill -9s: each resumes with Last-Event-ID after every restart and is never refused; its
    /// ids strictly increase (no seq is given to two events), every gap is an overflow naming
    /// exactly the seqs skipped, and its stream ends with the consumer's `detached`.
    @Test func eventReadersResumeAcrossKillsWithoutASeqUsedTwiceOrASilentGap() async throws {
        let result = try await manager(["readers", "--kills", "10", "--seed", "1"], within: .seconds(600))
        #expect(result.succeeded, "\(result.stdout.suffix(2000))\(result.stderr.suffix(8000))")
        #expect(result.stdout.contains("\"kills\": 10"), "\(result.stdout)")
    }
}
