import Foundation
import TestSupport
import Testing

/// `allocated_bytes` is what fstat's st_blocks says (kernel-semantics.md §1f), and a tenant's usage
/// is the sum of it over its files. The test cannot fstat gmemd's memfd, so it compares with
/// what the kernel reports for the same calls.
@Suite(.timeLimit(.scaledMinutes(10)))
struct AllocationAccountingTests {
    static let gib: Int64 = 1 << 30

    /// One request and the size and allocation the kernel then reports.
    struct Step {
        var name: String
        var size: Int64
        var allocated: Int64
        var send: () async throws -> HTTPReply

        init(_ name: String, size: Int64, allocated: Int64, send: @escaping () async throws -> HTTPReply) {
            (self.name, self.size, self.allocated, self.send) = (name, size, allocated, send)
        }
    }

    /// Holds a real GiB in gmemd: it takes its turn with the other tests that do.
    @Test func allocatedBytesFollowAllocatePunchAndShrinkOfAOneGiBFile() async throws {
        try await TurnTaking.gibibyte.run {
            let gmemd = try await Gmemd.api.running()
            let page = try await gmemd.pageSize()
            let tenant = try await Gmemd.api.newTenant()
            let file = try await tenant.createFile(size: 0)

            let gib = Self.gib
            let steps = [
                Step("allocate 1 GiB", size: gib, allocated: gib) {
                    try await tenant.fallocate(file, "allocate", offset: 0, length: gib)
                },
                Step("punch one page", size: gib, allocated: gib - page) {
                    try await tenant.fallocate(file, "punch_hole", offset: 0, length: page)
                },
                Step("punch the same hole again", size: gib, allocated: gib - page) {
                    try await tenant.fallocate(file, "punch_hole", offset: 0, length: page)
                },
                Step("allocate the hole", size: gib, allocated: gib) {
                    try await tenant.fallocate(file, "allocate", offset: 0, length: page)
                },
                Step("shrink to 512 MiB", size: gib / 2, allocated: gib / 2) {
                    try await tenant.resize(file, to: gib / 2)
                },
                Step("grow back to 1 GiB", size: gib, allocated: gib / 2) {
                    try await tenant.resize(file, to: gib)
                },
            ]
            for step in steps {
                let answered = try RemoteFile(await step.send(), step.name)
                #expect(answered.size == step.size, "\(step.name)")
                #expect(answered.allocatedBytes == step.allocated, "\(step.name)")
                #expect(try await tenant.usage().allocatedBytes == step.allocated, "\(step.name)")
            }

            _ = try await tenant.client.delete(file.path).expecting(204, "delete")
            #expect(
                try await tenant.usage() == Usage(allocatedBytes: 0, lockedBytes: 0, files: 0, consumers: 0))
        }
    }

    /// F8: keep_size allocates (and charges) pages past the end; the shrink that drops them frees them.
    @Test func keepSizeAllocationPastTheEndIsChargedAndLeavesTheSize() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4096)

        let allocated = try RemoteFile(
            await tenant.fallocate(file, "allocate", offset: 0, length: 1 << 20, keepSize: true), "allocate")

        #expect(allocated.size == 4096)
        #expect(allocated.allocatedBytes == 1 << 20)
        #expect(try await tenant.usage().allocatedBytes == 1 << 20)
        let shrunk = try RemoteFile(await tenant.resize(file, to: 0), "shrink")
        #expect(shrunk.allocatedBytes == 0)
        #expect(try await tenant.usage().allocatedBytes == 0)
    }

    /// F9: an allocation past the end without keep_size moves the size to its end.
    @Test func allocationPastTheEndWithoutKeepSizeGrowsTheFileToItsEnd() async throws {
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 0)

        let allocated = try RemoteFile(
            await tenant.fallocate(file, "allocate", offset: 1 << 20, length: 1 << 20), "allocate")

        #expect(allocated.size == 2 << 20)
        #expect(allocated.allocatedBytes == 1 << 20)
    }

    /// F6, F7: a punch frees whole pages only and zeroes the bytes it covers in the others.
    @Test func unalignedPunchFreesOnlyWholePagesAndZeroesTheBytesItCovers() async throws {
        let gmemd = try await Gmemd.api.running()
        let page = try await gmemd.pageSize()
        let tenant = try await Gmemd.api.newTenant()
        let file = try await tenant.createFile(size: 4 * page)
        let data = Data.pattern(count: Int(4 * page))
        try await tenant.write(data, to: file)

        let punched = try RemoteFile(
            await tenant.fallocate(file, "punch_hole", offset: 100, length: 2 * page - 100), "punch")
        let inOnePage = try RemoteFile(
            await tenant.fallocate(file, "punch_hole", offset: 3 * page + 10, length: 10), "punch in a page")

        #expect(punched.allocatedBytes == 3 * page)
        #expect(inOnePage.allocatedBytes == 3 * page)
        var expected = data
        expected.replaceSubrange(100..<Int(2 * page), with: Data(count: Int(2 * page) - 100))
        expected.replaceSubrange(Int(3 * page + 10)..<Int(3 * page + 20), with: Data(count: 10))
        #expect(try await tenant.content(of: file) == expected)
    }
}
