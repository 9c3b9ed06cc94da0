import GuestMem
import SystemPackage
import TestSupport
import Testing

/// Many tasks at once: the tenant's usage must end equal to what the kernel counts.
@Suite(.timeLimit(.scaledMinutes(10)))
struct ConcurrencyTests {
    static let page: Int64 = 4096

    /// A spread of `a` and `b` over `0..<count`, the same on every run so a failure replays.
    static func scatter(_ a: Int, _ b: Int, _ count: Int64) -> Int64 {
        Int64((a &* 7919 &+ b &* 104_729 &+ a &* b &* 31) % Int(count))
    }

    @Test func concurrentAllocateAndPunchOnOneFileKeepUsageEqualToTheKernels() async throws {
        let fixture = try Fixture()
        let file = try fixture.create(size: 4 << 20)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for step in 0..<200 {
                        let offset = Self.scatter(task, step, 1024) * Self.page
                        let length = (1 + Self.scatter(step, task, 64)) * Self.page
                        if (task + step) % 2 == 0 {
                            try fixture.allocate(file.id, offset, length, keepSize: true)
                        } else {
                            try fixture.punch(file.id, offset, length)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }

        let kernel = try fixture.kernelStatus(file.id)
        #expect(try fixture.usage().allocatedBytes == kernel.allocatedBytes)
        #expect(try fixture.get(file.id).allocatedBytes == kernel.allocatedBytes)
    }

    @Test func concurrentAllocationsNearTheLimitNeverCrossIt() async throws {
        let limit: Int64 = 8 << 20
        let fixture = try Fixture(
            limits: TenantLimits(maxBytes: limit, maxLockedBytes: 0, maxFiles: 8, maxConsumers: 0))
        let files = try (0..<4).map { _ in try fixture.create(size: 8 << 20).id }

        let refusals = try await withThrowingTaskGroup(of: Int.self) { group in
            for (task, id) in files.enumerated() {
                group.addTask {
                    var refusals = 0
                    for step in 0..<100 {
                        let offset = Self.scatter(task, step, 2048) * Self.page
                        let length = (1 + Self.scatter(step, task, 256)) * Self.page
                        do {
                            if (task + step) % 3 == 0 {
                                try fixture.punch(id, offset, length)
                            } else {
                                try fixture.allocate(id, offset, length)
                            }
                        } catch let error as GuestMemError where error.errno == .diskQuotaExceeded {
                            refusals += 1
                        }
                        #expect(try fixture.usage().allocatedBytes <= limit)
                    }
                    return refusals
                }
            }
            return try await group.reduce(0, +)
        }

        #expect(refusals > 0)
        let total = try files.reduce(0) { $0 + (try fixture.kernelStatus($1).allocatedBytes) }
        #expect(total <= limit)
        #expect(try fixture.usage().allocatedBytes == total)
    }
}
