import GuestMem
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// A store with one tenant, and shorthands for the calls the tests repeat.
struct Fixture {
    let store: MemoryStore
    let tenant: TenantID

    /// Limits wide enough that only the tests about limits meet them.
    static let roomy = TenantLimits(
        maxBytes: 8 << 30, maxLockedBytes: 8 << 30, maxFiles: 1000, maxConsumers: 8)

    init(limits: TenantLimits = Fixture.roomy, hostReserveBytes: Int64 = MemoryStore.defaultHostReserveBytes)
        throws
    {
        store = MemoryStore(hostReserveBytes: hostReserveBytes)
        tenant = .random()
        try store.addTenant(tenant, limits: limits)
    }

    func create(size: Int64 = 0, flags: FileFlags = FileFlags(), name: String = "test") throws -> FileSnapshot
    {
        try store.createFile(for: tenant, name: name, size: size, flags: flags)
    }

    /// A file of `size` bytes whose every byte was written, so every page is allocated and dirty.
    func filled(size: Int64, flags: FileFlags = FileFlags()) throws -> FileSnapshot {
        let file = try create(flags: flags)
        _ = try store.write(file.id, of: tenant, offset: 0, bytes: [UInt8](repeating: 0xa5, count: Int(size)))
        return try store.file(file.id, of: tenant)
    }

    @discardableResult
    func allocate(_ id: FileID, _ offset: Int64, _ length: Int64, keepSize: Bool = false) throws
        -> FileSnapshot
    {
        try store.fallocate(
            id, of: tenant, mode: .allocate(keepSize: keepSize),
            range: ByteRange(offset: offset, length: length))
    }

    @discardableResult
    func punch(_ id: FileID, _ offset: Int64, _ length: Int64) throws -> FileSnapshot {
        try store.fallocate(
            id, of: tenant, mode: .punchHole, range: ByteRange(offset: offset, length: length))
    }

    @discardableResult
    func addSeals(_ seals: SealSet, to id: FileID) throws -> FileSnapshot {
        try store.addSeals(seals, to: id, of: tenant)
    }

    func get(_ id: FileID) throws -> FileSnapshot { try store.file(id, of: tenant) }

    func usage() throws -> TenantUsage { try store.usage(of: tenant) }

    /// What fstat(2) says about the file, asked through a dup of its fd, not through the store.
    func kernelStatus(_ id: FileID) throws -> (size: Int64, allocatedBytes: Int64) {
        let handle = try store.openContent(id, of: tenant)
        var info = stat()
        let result = fstat(handle.fd.rawValue, &info)
        handle.close()
        guard result == 0 else { throw Errno(rawValue: errno) }
        return (Int64(info.st_size), Int64(info.st_blocks) * 512)
    }
}

extension GuestMemError {
    /// The case, without its payload, for tests that check which kind of refusal they got.
    enum Kind {
        case notFound, invalid, unsupported, refused, quotaExceeded, exhausted, unknownReference
        case preconditionFailed, gone, unsaved
    }

    var kind: Kind {
        switch self {
        case .notFound: .notFound
        case .invalid: .invalid
        case .unsupported: .unsupported
        case .refused: .refused
        case .quotaExceeded: .quotaExceeded
        case .exhausted: .exhausted
        case .unknownReference: .unknownReference
        case .preconditionFailed: .preconditionFailed
        case .gone: .gone
        case .unsaved: .unsaved
        }
    }
}

enum Host {
    static let capabilities = MemoryStore().capabilities
    static let pageSize = capabilities.pageSize
    static let hasHugePages = capabilities.hasHugePages
}
