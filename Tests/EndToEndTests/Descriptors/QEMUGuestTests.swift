import Foundation
import TestSupport
import Testing

/// A real VMM on gmemd memory: QEMU (Debian's qemu-system-x86) boots SeaBIOS on a 64 MiB memfd
/// it received through `gmemd fd`, and gmemd's API and QEMU's monitor see the same bytes.
@Suite(.serialized, .timeLimit(.scaledMinutes(10)))
struct QEMUGuestTests {
    static let qemu = "qemu-system-x86_64"
    static let hasQEMU = FileManager.default.isExecutableFile(atPath: "/usr/bin/\(qemu)")
    static let size = 64 << 20

    @Test(
        .enabled(
            if: hasQEMU, "needs qemu-system-x86_64: Debian's qemu-system-x86 (scripts/deps.sh installs it)"))
    func guestUnderTCGSeesGmemdsBytesAndGmemdSeesTheGuests() async throws {
        try await bootAndCheck(accelerator: "tcg")
    }

    @Test(
        .enabled(
            if: hasQEMU, "needs qemu-system-x86_64: Debian's qemu-system-x86 (scripts/deps.sh installs it)"),
        .needsKVM)
    func guestUnderKVMSeesGmemdsBytesAndGmemdSeesTheGuests() async throws {
        try await bootAndCheck(accelerator: "kvm")
    }

    func bootAndCheck(accelerator: String) async throws {
        let unix = temporarySocketPath()
        let gmemd = try await Gmemd.start(["--unix", unix])
        defer { gmemd.send(SIGKILL) }
        let folder = gmemd.stateDirectory
        let (tenant, tokenFile) = try await gmemd.tenantWithTokenFile()
        let file = try await gmemd.newFile(tenant, size: Self.size)
        let monitor = folder.appending(path: "qmp.sock").path
        let output = open(
            folder.appending(path: "qemu.log").path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(output) }
        let qemu = try ChildProcess(
            try GmemdBinary.url().path,
            [
                "fd", "--unix", unix, "--token-file", tokenFile.path, "--file", file, "--access",
                "read_write", "--",
                Self.qemu, "-machine", "pc,accel=\(accelerator),memory-backend=ram0", "-m", "64M",
                "-object", "memory-backend-file,id=ram0,size=64M,mem-path=/proc/self/fd/{fd},share=on",
                "-nographic", "-nodefaults", "-serial", "none", "-qmp", "unix:\(monitor),server=on,wait=off",
            ], stdout: output, stderr: output)
        defer {
            qemu.send(SIGKILL)
        }
        do {
            try await check(gmemd, tenant, file, monitor)
        } catch {
            Issue.record(
                "QEMU's output: \(String(decoding: FileManager.default.contents(atPath: folder.appending(path: "qemu.log").path) ?? Data(), as: UTF8.self))"
            )
            throw error
        }
        qemu.send(SIGKILL)
        _ = try await qemu.termination(within: .seconds(20))
        try await gmemd.stop()
    }

    private func check(_ gmemd: Gmemd, _ tenant: [String], _ file: String, _ monitor: String) async throws {
        // (b) SeaBIOS fills the real-mode interrupt vector table at guest address 0; gmemd reads it.
        var vectors: (guest: [UInt8], gmemd: [UInt8]) = ([], [])
        let deadline = ContinuousClock.now + .seconds(30)
        while vectors.gmemd.allSatisfy({ $0 == 0 }) || vectors.guest != vectors.gmemd {
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
            vectors.guest = try await Self.guestBytes(monitor, at: 0, count: 16)
            vectors.gmemd = Array(
                try await gmemd.curl("/v1/files/\(file)/content", tenant + ["-H", "Range: bytes=0-15"]).reply
                    .body)
        }
        #expect(vectors.gmemd.contains { $0 != 0 }, "the firmware wrote no interrupt vectors within 30 s")
        #expect(vectors.guest == vectors.gmemd)

        // (a) Bytes PUT through gmemd are what the guest sees at that guest-physical address.
        let address = 0x20_0000
        let written = Array("gmemd → guest".utf8)
        let put = try await gmemd.curl(
            "/v1/files/\(file)/content?offset=\(address)",
            tenant + ["-X", "PUT", "--data-binary", "gmemd → guest"])
        #expect(put.reply.status == 200, "\(put.reply.text)")
        #expect(try await Self.guestBytes(monitor, at: address, count: written.count) == written)

        // (c) A punch through gmemd zeroes the page for the guest; the process consumer hears it.
        let punched = try await gmemd.post(
            "/v1/files/\(file)/fallocate", tenant,
            #"{"mode":"punch_hole","offset":\#(address),"length":4096}"#)
        #expect(punched.status == 200)
        #expect(
            try await Self.guestBytes(monitor, at: address, count: written.count)
                == Array(repeating: 0, count: written.count))
        let consumers = try await gmemd.curl("/v1/files/\(file)/consumers", tenant).reply
        let consumer = try #require(
            (consumers.json?["items"] as? [[String: Any]])?.first { $0["kind"] as? String == "process" })
        let cid = try #require(consumer["id"] as? String)
        let events = try await gmemd.curl("/v1/consumers/\(cid)/events?after=0", tenant).reply
        let invalidates = (events.json?["events"] as? [[String: Any]])?.filter {
            $0["type"] as? String == "invalidate"
        }
        #expect(invalidates?.first?["offset"] as? Int == address)

        // (d) The pages the guest touched are the file's allocation and the tenant's usage.
        var counted: (file: Int?, usage: Int?) = (nil, nil)
        for _ in 0..<50 where counted.file == nil || counted.file != counted.usage {
            let seen =
                try await gmemd.curl("/v1/files/\(file)", tenant).reply.json?["allocated_bytes"] as? Int
            let usage = try await gmemd.curl("/v1/usage", tenant).reply.json?["usage"] as? [String: Any]
            counted = (seen, usage?["allocated_bytes"] as? Int)
        }
        #expect((counted.file ?? 0) >= 4096, "the guest touched no page?")
        #expect(counted.file == counted.usage)
    }

    /// `count` bytes at guest-physical `address`, as QEMU's monitor (`xp`) shows them.
    static func guestBytes(_ monitor: String, at address: Int, count: Int) async throws -> [UInt8] {
        let script = FDProbe.script.deletingLastPathComponent().appending(path: "qmp.py")
        let run = try await Subprocess.run(
            "python3", [script.path, monitor, "xp /\(count)xb \(address)"], within: .seconds(30))
        guard run.succeeded,
            let outputs = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String]
        else {
            throw EndToEndError.commandFailed("qmp.py: \(run.stdout) \(run.stderr)")
        }
        // Lines such as "0000000000200000: 0x67 0x6d 0x65 …".
        return outputs.joined().split(whereSeparator: \.isWhitespace).compactMap {
            $0.hasPrefix("0x") ? UInt8($0.dropFirst(2), radix: 16) : nil
        }
    }
}
