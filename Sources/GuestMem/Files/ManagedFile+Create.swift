import SystemPackage

extension ManagedFile {
    /// Creates the memfd and sizes it. An inaccessible file is sealed from its first instant,
    /// so nobody could have written it (the race the 2021 reviewers named), and needs a
    /// page-aligned size. Its F_SEAL_* come from the kernel: F_SEAL_SEAL without allow_sealing
    /// (M1), F_SEAL_EXEC with noexec_seal (M4). The memfd holds `claim` while it is open.
    static func createMemfd(
        id: FileID, tenant: TenantID, name: String, size: Int64, flags: FileFlags, claim: DescriptorClaim,
        whileAllocating: (@Sendable (FileID) -> Void)?
    ) throws(GuestMemError) -> ManagedFile {
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
        let seals = try kernel("fcntl(F_GET_SEALS)") { () throws(Errno) in try memfd.seals() }
        return ManagedFile(
            id: id, tenant: tenant, name: name, flags: flags, memfd: memfd, status: status, seals: seals,
            whileAllocating: whileAllocating)
    }

    /// A file over `memfd`, made, adopted or taken back after a restart (`createdAt` then is the
    /// journal's), as fstat (`status`) and F_GET_SEALS (`seals`) answered once the caller made it
    /// what it is: its first published figures. Its pages come st_blksize at a time.
    convenience init(
        id: FileID, tenant: TenantID, name: String, flags: FileFlags, memfd: consuming Memfd,
        status: MemfdStatus, seals: SealSet,
        whileAllocating: (@Sendable (FileID) -> Void)? = nil, createdAt: Timestamp? = nil
    ) {
        let unit = max(HostProbe.pageSize, status.blockSize)
        let reader = memfd.reader
        self.init(
            id: id, tenant: tenant, name: name, backend: .memfd(flags),
            backing: .memfd(MemfdBacking(memfd: memfd, map: AllocationMap(unit: unit))), reader: reader,
            figures: FileFigures(size: status.size, allocatedBytes: status.allocatedBytes, seals: seals),
            allocationUnit: unit,
            whileAllocating: whileAllocating, createdAt: createdAt)
    }

    /// A file over a guest_memfd of `vm`: whole pages, a fixed size.
    convenience init(
        id: FileID, tenant: TenantID, vm: VMID, name: String, file: consuming GuestMemfd,
        whileAllocating: (@Sendable (FileID) -> Void)? = nil
    ) {
        let backend = BackendInfo.guestMemfd(vm: vm, size: file.size, flags: file.flags)
        let figures = FileFigures(size: file.size, allocatedBytes: 0, seals: [])
        self.init(
            id: id, tenant: tenant, name: name, backend: backend, backing: .guestMemfd(file), reader: nil,
            figures: figures,
            allocationUnit: HostProbe.pageSize, whileAllocating: whileAllocating)
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
