import GuestMem
import Testing

#if canImport(Glibc)
    import Glibc
#endif

struct HostCapabilitiesTests {
    @Test func capabilitiesReportThisHostsPageSizeKernelAndHugePagePools() throws {
        let capabilities = MemoryStore().capabilities
        #expect(capabilities.pageSize == Int64(sysconf(Int32(_SC_PAGESIZE))))
        #expect(capabilities.kernelRelease.first?.isNumber == true)
        #expect(capabilities.defaultHugePageSize > 0)
        let meminfo = try String(contentsOfProcFile: "/proc/meminfo")
        let total = meminfo.split(separator: "\n").first { $0.hasPrefix("HugePages_Total:") }
        let defaultPool = capabilities.hugePagePools.first { $0.pageSize == capabilities.defaultHugePageSize }
        #expect(total?.split(separator: " ").last.flatMap { Int($0) } == defaultPool?.total)
    }

    @Test func defaultHostReserveIsHalfAGibibyte() {
        #expect(MemoryStore.defaultHostReserveBytes == 512 << 20)
        #expect(MemoryStore().hostReserveBytes == 512 << 20)
    }
}
