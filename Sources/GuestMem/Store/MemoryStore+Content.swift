extension MemoryStore {
    /// The most `read` copies into memory: 64 MiB. Larger content goes out through
    /// `openContent` and sendfile(2), never through a buffer a client can size.
    package static let maxReadBytes: Int64 = 64 << 20

    /// The bytes of `range` inside the file (fewer at its end). EPERM once inaccessible;
    /// ENOMEM (invalid: ask for less) when that is more than `maxReadBytes`.
    package func read(_ id: FileID, of tenantID: TenantID, range: ByteRange) throws(GuestMemError) -> [UInt8]
    {
        try lookup(id, of: tenantID).1.read(range, maxBytes: Self.maxReadBytes)
    }

    /// A private fd on the file's content and its size, for sendfile(2); close it when done.
    /// EPERM once inaccessible; a guest_memfd's content is read, not sent (ESPIPE).
    package func openContent(_ id: FileID, of tenantID: TenantID) throws(GuestMemError) -> ContentHandle {
        try lookup(id, of: tenantID).1.openContent { () throws(GuestMemError) in
            try descriptors.claim(for: "download")
        }
    }

    /// Writes `bytes` at `offset` (pwrite, or through a guest_memfd's mapping); the kernel's
    /// seals answer. A write that would allocate past the tenant's limits (EDQUOT) or the host's
    /// reserve (ENOMEM) is refused before it runs; one into pages already allocated needs no
    /// headroom. `versions`, when given, must hold the current version.
    package func write(
        _ id: FileID, of tenantID: TenantID, offset: Int64, bytes: [UInt8],
        expecting versions: Set<UInt64>? = nil
    ) throws(GuestMemError) -> ContentWrite {
        try changing(id, of: tenantID) { (tenant, file) throws(GuestMemError) in
            try file.requireMappable()
            let range = try ManagedFile.writeRange(offset: offset, count: bytes.count)
            return try allocating(range.map(file.worstCase) ?? 0, in: file, of: tenant) {
                (reservation, charge) throws(GuestMemError) in
                try file.write(
                    bytes, at: offset, expecting: versions, within: reservation, host: host, charge: &charge)
            }
        }
    }
}
