import SystemPackage

extension MemoryFile {
    /// Creates the memfd and sizes it. An inaccessible file is sealed from its first instant,
    /// so nobody could have written it (the race the 2021 reviewers named), and needs a
    /// page-aligned size. Its F_SEAL_* come from the kernel: F_SEAL_SEAL without allow_sealing
    /// (M1), F_SEAL_EXEC with noexec_seal (M4). The memfd holds `claim` while it is open.
    static func create(
        id: FileID, tenant: TenantID, name: String, size: Int64, flags: FileFlags, claim: DescriptorClaim
    ) throws(GuestMemError) -> MemoryFile {
        // Server's name rule refuses NUL first; here it would end the kernel's C string early.
        guard !name.utf8.contains(0) else {
            throw .invalid("name contains a NUL byte", errno: .invalidArgument)
        }
        if flags.inaccessible, size % HostProbe.pageSize != 0 {
            throw .invalid(
                "an inaccessible file takes only multiples of \(HostProbe.pageSize) bytes",
                errno: .invalidArgument)
        }
        let memfd = try kernel("memfd_create") { () throws(Errno) in
            try Memfd(name: kernelName(name), options: options(flags), claim: claim)
        }
        let status = try kernel("ftruncate") { () throws(Errno) in
            if size != 0 { try memfd.resize(to: size) }
            return try memfd.status()
        }
        return MemoryFile(
            id: id, tenant: tenant, name: name, flags: flags, memfd: memfd, blockSize: status.blockSize)
    }

    /// `name` cut at a code point to what memfd_create(2) takes. The kernel's copy shows only in
    /// /proc/PID/fd; the file keeps its whole name, so a name that is valid for a tenant or a VM
    /// is valid for a file too.
    private static func kernelName(_ name: String) -> String {
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in name.unicodeScalars {
            bytes += UTF8.width(scalar)
            guard bytes <= Memfd.maxNameBytes else { break }
            kept.append(scalar)
        }
        return String(kept)
    }

    private static func options(_ flags: FileFlags) -> MemfdOptions {
        var options: MemfdOptions = []
        if flags.allowSealing { options.insert(.allowSealing) }
        if flags.hugetlb { options.insert(.hugetlb) }
        if flags.exec { options.insert(.exec) }
        if flags.noexecSeal { options.insert(.noexecSeal) }
        return options
    }
}
