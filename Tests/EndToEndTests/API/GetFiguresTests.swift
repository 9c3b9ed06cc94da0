import Foundation
import TestSupport
import Testing

/// `GET /v1/files/{fid}` of a memfd only gmemd changes answers the figures its last change
/// published, with no syscall of its own: after each kind of change, they must be what the
/// kernel says of the memfd inside the running gmemd, found in /proc/PID/fd by its name.
@Suite(.timeLimit(.scaledMinutes(10)))
struct GetFiguresTests {
    static let kib: Int64 = 1024

    @Test func aGetAfterEachChangeShowsWhatTheKernelSaysOfTheMemfdInGmemd() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let name = "figures-\(UInt64.random(in: 0...UInt64.max))"
        let file = try await tenant.createFile(size: 1024 * Self.kib, name: name)
        let memfd = GmemdMemfd(pid: tenant.client.gmemd.pid, name: name)
        var steps: [(String, RemoteFile, KernelView)] = []
        func look(_ step: String) async throws {
            steps.append((step, try await tenant.file(file.id), try memfd.view()))
        }

        try await look("created")
        _ = try await tenant.fallocate(file, "allocate", offset: 0, length: 256 * Self.kib, keepSize: true)
            .expecting(200, "allocate")
        try await look("allocated")
        _ = try await tenant.fallocate(file, "punch_hole", offset: 0, length: 64 * Self.kib)
            .expecting(200, "punch")
        try await look("punched")
        try await tenant.write(Data([1, 2, 3]), to: file, at: 600 * Self.kib)
        try await look("written")
        try await tenant.write(Data([1, 2, 3]), to: file, at: 1024 * Self.kib + 100)
        try await look("written past the end")
        _ = try await tenant.resize(file, to: 2048 * Self.kib).expecting(200, "grow")
        try await look("grown")
        _ = try await tenant.resize(file, to: 128 * Self.kib).expecting(200, "shrink")
        try await look("shrunk")
        try await tenant.addSeals(["grow", "write"], to: file)
        try await look("sealed")

        for (step, got, kernel) in steps {
            #expect(got.size == kernel.size, "\(step)")
            #expect(got.allocatedBytes == kernel.allocatedBytes, "\(step)")
            #expect(
                Set(got.seals).subtracting(["inaccessible", "no_new_consumers"]) == kernel.seals, "\(step)")
        }
        #expect(Set(steps.map(\.2)).count == steps.count, "a step moved no figure: it tests nothing")
    }
}

/// What the kernel says of a memfd: st_size, st_blocks × 512 and the F_GET_SEALS names.
struct KernelView: Hashable {
    var size: Int64
    var allocatedBytes: Int64
    var seals: Set<String>
}

/// A memfd a running gmemd holds, found among its descriptors by the link `/memfd:NAME (deleted)`.
struct GmemdMemfd {
    let pid: pid_t
    let name: String

    /// fstat and F_GET_SEALS, through a read-only open of /proc/PID/fd/N: a description of the
    /// memfd's own that gmemd never sees.
    func view() throws -> KernelView {
        let path = try descriptorPath()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var info = stat()
        let seals = fcntl(fd, 1034)  // F_GET_SEALS: F_LINUX_SPECIFIC_BASE + 10, uapi/linux/fcntl.h
        guard fstat(fd, &info) == 0, seals >= 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        let names = ["seal", "shrink", "grow", "write", "future_write", "exec"]
        return KernelView(
            size: Int64(info.st_size), allocatedBytes: Int64(info.st_blocks) * 512,
            seals: Set(names.indices.filter { seals & (1 << $0) != 0 }.map { names[$0] }))
    }

    private func descriptorPath() throws -> String {
        let directory = "/proc/\(pid)/fd"
        for entry in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let path = "\(directory)/\(entry)"
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: path))
                == "/memfd:\(name) (deleted)"
            {
                return path
            }
        }
        throw POSIXError(.ENOENT)
    }
}
