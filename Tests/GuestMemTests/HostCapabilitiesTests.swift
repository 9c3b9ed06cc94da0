import GuestMem
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(.timeLimit(.scaledMinutes(10)))
struct HostCapabilitiesTests {
    @Test func capabilitiesReportThisHostsPageSizeKernelAndHugePagePools() throws {
        let capabilities = MemoryStore().capabilities
        #expect(capabilities.pageSize == Int64(sysconf(Int32(_SC_PAGESIZE))))
        #expect(capabilities.kernelRelease.first?.isNumber == true)
        let meminfo = try ProcMeminfo()
        #expect(capabilities.defaultHugePageSize == meminfo["Hugepagesize"])
        // The pool exists even with no huge pages in it (HugePages_Total 0): compare its count.
        let defaultPool = try #require(
            capabilities.hugePagePools.first { $0.pageSize == capabilities.defaultHugePageSize })
        #expect(Int64(defaultPool.total) == meminfo["HugePages_Total"])
    }

    @Test func defaultHostReserveIsHalfAGibibyte() {
        #expect(MemoryStore.defaultHostReserveBytes == 512 << 20)
        #expect(MemoryStore().hostReserveBytes == 512 << 20)
    }
}
