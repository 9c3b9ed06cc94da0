import SystemPackage

/// What a read of a file needs of its kernel object: the size, the allocated bytes and the kernel
/// seals. For a memfd, fstat(2) (st_size, st_blocks × 512) and F_GET_SEALS; for a guest_memfd, its
/// fixed size and its extents, and no kernel seals (it has none).
struct FileFigures: Equatable {
    var size: Int64
    var allocatedBytes: Int64
    /// Kernel bits only (F_SEAL_*).
    var seals: SealSet
}

extension MemfdReader {
    /// The memfd's figures as the kernel answers now: `fstat`, then `fcntl(F_GET_SEALS)`.
    func figures() throws(GuestMemError) -> FileFigures {
        let status = try kernel("fstat") { () throws(Errno) in try self.status() }
        let seals = try kernel("fcntl(F_GET_SEALS)") { () throws(Errno) in try self.seals() }
        return FileFigures(size: status.size, allocatedBytes: status.allocatedBytes, seals: seals)
    }
}
