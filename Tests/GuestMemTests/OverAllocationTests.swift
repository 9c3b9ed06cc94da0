import SystemPackage
import TestSupport
import Testing

@testable import GuestMem

/// The safety net behind the check before fallocate: when the kernel allocates more than the
/// allocation map predicted (a kernel with larger folios than st_blksize says), the call is
/// undone and refused, and the tenant's usage still equals the kernel's figure.
@Suite(.timeLimit(.scaledMinutes(10)))
struct OverAllocationTests {
    @Test func allocationTheMapUnderestimatedIsUndoneRefusedAndStillAccounted() throws {
        let fixture = try Fixture(
            limits: TenantLimits(maxBytes: 8192, maxLockedBytes: 0, maxFiles: 1, maxConsumers: 0))
        let file = try fixture.create()
        let (_, memoryFile) = try fixture.store.lookup(file.id, of: fixture.tenant)
        // The map now takes the file's second and third pages for allocated; the kernel has none.
        try memoryFile.operating { (backing) throws(GuestMemError) in
            try backing.update(
                memfd: { (_, map) throws(GuestMemError) in
                    map.allocate(try ByteRange(offset: 4096, length: 8192))
                }, guestMemfd: { _ throws(GuestMemError) in })
        }

        let error = #expect(throws: GuestMemError.self) { try fixture.allocate(file.id, 0, 4 * 4096) }

        #expect(error?.kind == .quotaExceeded)
        #expect(error?.errno == .diskQuotaExceeded)
        let kernel = try fixture.kernelStatus(file.id)
        #expect(kernel.size == 0)
        #expect(try fixture.usage().allocatedBytes == kernel.allocatedBytes)
        #expect(kernel.allocatedBytes <= 8192)
    }
}
