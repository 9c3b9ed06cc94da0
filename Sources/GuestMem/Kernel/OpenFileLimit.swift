import Posix
package import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// This process's RLIMIT_NOFILE: how many fds it may hold at once.
package enum OpenFileLimit {
    /// Raises the soft limit to the hard one (the default soft limit of 1,024 would let a few
    /// tenants' files exhaust gmemd long before the host is short of anything) and answers the
    /// limit now in force. The corresponding C calls are `getrlimit` and `setrlimit`.
    package static func raiseToHard() throws(Errno) -> Int {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        _ = try syscall("getrlimit") { getrlimit(resource, &limit) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            _ = try syscall("setrlimit") { setrlimit(resource, &raised) }
            limit = raised
        }
        return Int(clamping: limit.rlim_cur)
    }
}
