import SystemPackage

/// The kernel object behind a file and gmemd's record of which of its ranges hold pages: a memfd
/// with its allocation map (a prediction st_blocks checks), or a guest_memfd with its extents
/// (the only record there is: kernel-semantics.md A11). Owned by the file's operation lock.
enum FileBacking: ~Copyable {
    case memfd(MemfdBacking)
    case guestMemfd(GuestMemfd)

    /// Size and allocated bytes as gmemd counts them: fstat(2) for a memfd (st_blocks × 512), the
    /// fixed size and the extents for a guest_memfd.
    func status() throws(GuestMemError) -> (size: Int64, allocatedBytes: Int64) {
        switch self {
        case .memfd(let backing):
            let status = try kernel("fstat") { () throws(Errno) in try backing.memfd.status() }
            return (status.size, status.allocatedBytes)
        case .guestMemfd(let file):
            return (file.size, file.allocation.totalLength)
        }
    }

    /// What a read needs of the kernel object now (FileFigures): for a memfd, fstat(2) and
    /// F_GET_SEALS; for a guest_memfd, no syscall.
    func figures() throws(GuestMemError) -> FileFigures {
        switch self {
        case .memfd(let backing): try backing.memfd.reader.figures()
        case .guestMemfd(let file):
            FileFigures(size: file.size, allocatedBytes: file.allocation.totalLength, seals: [])
        }
    }

    /// The first byte past every allocated page, which may lie past the size (F8).
    var allocatedEnd: Int64 {
        switch self {
        case .memfd(let backing): backing.map.end
        case .guestMemfd(let file): file.allocation.end
        }
    }

    /// The bytes allocating `range` could add: the pages it touches that hold none yet, and for a
    /// guest_memfd only those inside its fixed size (A5, P7).
    func newBytes(in range: ByteRange) -> Int64 {
        switch self {
        case .memfd(let backing):
            return backing.map.newBytes(in: range)
        case .guestMemfd(let file):
            guard let pages = file.pages(of: range) else { return 0 }
            return pages.length - file.allocation.length(in: pages)
        }
    }

    /// The pages of `range` that held nothing before it was allocated, to punch if the kernel
    /// allocated more than predicted. None for a guest_memfd, whose record is exact.
    func newRanges(in range: ByteRange) -> [ByteRange] {
        switch self {
        case .memfd(let backing): backing.map.newRanges(in: range)
        case .guestMemfd: []
        }
    }

    /// fallocate(2) over `range`; the record changes only after the kernel said yes. A memfd's
    /// seals answer (write: EPERM for a punch, F_SEAL_* §1c); a guest_memfd takes only keep-size
    /// modes and whole pages (EOPNOTSUPP, EINVAL: §1k).
    mutating func fallocate(_ mode: FallocateMode, _ range: ByteRange) throws(GuestMemError) {
        try update(
            memfd: { (memfd, map) throws(GuestMemError) in
                switch mode {
                case .allocate(let keepSize):
                    try kernel("fallocate") { () throws(Errno) in
                        try memfd.allocate(range, keepSize: keepSize)
                    }
                    map.allocate(range)
                case .punchHole:
                    try kernel("fallocate") { () throws(Errno) in try memfd.punchHole(range) }
                    map.punch(range)
                }
            },
            guestMemfd: { (file) throws(GuestMemError) in
                try kernel("fallocate") { () throws(Errno) in try file.fallocate(mode, range) }
            })
    }

    /// ftruncate(2). A memfd's seals answer (shrink, grow: EPERM) and a shrink frees the pages past
    /// the new end; a guest_memfd has a fixed size, and the kernel says so (EINVAL, G5).
    mutating func resize(to size: Int64) throws(GuestMemError) {
        try update(
            memfd: { (memfd, map) throws(GuestMemError) in
                try kernel("ftruncate") { () throws(Errno) in try memfd.resize(to: size) }
                map.truncate(to: size)
            },
            guestMemfd: { (file) throws(GuestMemError) in
                try kernel("ftruncate") { () throws(Errno) in try file.resize(to: size) }
            })
    }

    /// Compares a memfd's map with what st_blocks says; nothing to compare for a guest_memfd.
    mutating func reconcile(kernelBytes: Int64) {
        try? update(
            memfd: { (_, map) throws(GuestMemError) in map.reconcile(kernelBytes: kernelBytes) },
            guestMemfd: { _ throws(GuestMemError) in })
    }

    /// Runs the body for this backing on it in place.
    mutating func update<R>(
        memfd: (borrowing Memfd, inout AllocationMap) throws(GuestMemError) -> R,
        guestMemfd: (inout GuestMemfd) throws(GuestMemError) -> R
    ) throws(GuestMemError) -> R {
        switch consume self {
        case .memfd(var backing):
            let result = Result { () throws(GuestMemError) in try memfd(backing.memfd, &backing.map) }
            self = .memfd(backing)
            return try result.get()
        case .guestMemfd(var file):
            let result = Result { () throws(GuestMemError) in try guestMemfd(&file) }
            self = .guestMemfd(file)
            return try result.get()
        }
    }

    /// Closes the fd; the last close frees the pages (~130 ms a GiB): outside every lock.
    consuming func close() {
        switch consume self {
        case .memfd(let backing): backing.memfd.close()
        case .guestMemfd(let file): file.close()
        }
    }
}

/// A memfd and its allocation map.
struct MemfdBacking: ~Copyable {
    let memfd: Memfd
    var map: AllocationMap
}

extension GuestMemfd {
    /// `range` widened to whole pages and cut at the file's size; nil when nothing is left.
    func pages(of range: ByteRange) -> ByteRange? {
        let page = HostProbe.pageSize
        let start = range.offset / page * page
        let end = min(size, range.end / page * page + (range.end % page == 0 ? 0 : page))
        return start < end ? try? ByteRange(offset: start, length: end - start) : nil
    }
}
