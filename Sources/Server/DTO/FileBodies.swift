import GuestMem

/// `POST /v1/files`.
struct CreateFileBody: JSONBody {
    static let jsonLimits = JSONLimits.nested

    var name: String
    /// Required, except when adopting: an adopted memfd has its own.
    var size: Int64?
    var backend: String?
    var vm: String?
    var flags: FlagsBody?
    /// Take in the memfd the request brought over the Unix socket instead of making one.
    var adopt: Bool

    enum CodingKeys: String, CodingKey, CaseIterable { case name, size, backend, vm, flags, adopt }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeName(forKey: .name)
        size = try container.decodeIfPresent(Int64.self, forKey: .size)
        backend = try container.decodeIfPresent(String.self, forKey: .backend)
        vm = try container.decodeIfPresent(String.self, forKey: .vm)
        flags = try container.decodeIfPresent(FlagsBody.self, forKey: .flags)
        adopt = try container.decodeIfPresent(Bool.self, forKey: .adopt) ?? false
    }

    /// The size of a file gmemd makes: a body without one is malformed, as before `adopt`.
    func requiredSize() throws(Problem) -> Int64 {
        guard let size else { throw .badRequest("the body has no 'size'") }
        return size
    }
}

/// A file's creation flags on the wire; in a request, what is left out takes its default.
struct FlagsBody: Codable {
    var allowSealing: Bool?
    var inaccessible: Bool?
    var hugetlb: Bool?
    var exec: Bool?
    var noexecSeal: Bool?
    var mmap: Bool?
    var initShared: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case allowSealing, inaccessible, hugetlb, exec, noexecSeal, mmap, initShared
    }

    init() {}

    init(_ flags: FileFlags) {
        allowSealing = flags.allowSealing
        inaccessible = flags.inaccessible
        hugetlb = flags.hugetlb
        exec = flags.exec
        noexecSeal = flags.noexecSeal
        mmap = flags.mmap
        initShared = flags.initShared
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        allowSealing = try container.decodeIfPresent(Bool.self, forKey: .allowSealing)
        inaccessible = try container.decodeIfPresent(Bool.self, forKey: .inaccessible)
        hugetlb = try container.decodeIfPresent(Bool.self, forKey: .hugetlb)
        exec = try container.decodeIfPresent(Bool.self, forKey: .exec)
        noexecSeal = try container.decodeIfPresent(Bool.self, forKey: .noexecSeal)
        mmap = try container.decodeIfPresent(Bool.self, forKey: .mmap)
        initShared = try container.decodeIfPresent(Bool.self, forKey: .initShared)
    }

    /// The memfd flags asked for; `mmap` and `init_shared` are guest_memfd's alone.
    func memfdFlags() throws(Problem) -> FileFlags {
        if mmap == true || initShared == true {
            throw .unprocessable("flags mmap and init_shared apply to backend guest_memfd only")
        }
        return FileFlags(
            allowSealing: allowSealing ?? true, inaccessible: inaccessible ?? false,
            hugetlb: hugetlb ?? false,
            exec: exec ?? false, noexecSeal: noexecSeal ?? false)
    }
}

/// `PATCH /v1/files/{fid}`.
struct ResizeFileBody: JSONBody {
    static let jsonLimits = JSONLimits.flat

    var size: Int64

    enum CodingKeys: String, CodingKey, CaseIterable { case size }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        size = try decoder.container(keyedBy: CodingKeys.self).decode(Int64.self, forKey: .size)
    }

    /// The size asked for, judged before the file is looked at: a negative one is what
    /// ftruncate(2) refuses (EINVAL), and an If-Match could not make it right.
    func validSize() throws(Problem) -> Int64 {
        guard size >= 0 else { throw .unprocessable("size must not be negative") }
        return size
    }
}

/// `POST /v1/files/{fid}/seals`.
struct AddSealsBody: JSONBody {
    /// Eight seal names exist; a few repeated are harmless, thousands are an attack.
    static let jsonLimits = JSONLimits(bytes: 4096, depth: 2, arrayItems: 16)

    var seals: [String]

    enum CodingKeys: String, CodingKey, CaseIterable { case seals }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        seals = try decoder.container(keyedBy: CodingKeys.self).decode([String].self, forKey: .seals)
    }
}

/// `POST /v1/files/{fid}/fallocate`.
struct FallocateBody: JSONBody {
    static let jsonLimits = JSONLimits.flat

    var mode: String
    var offset: Int64
    var length: Int64
    var keepSize: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable { case mode, offset, length, keepSize }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        mode = try container.decode(String.self, forKey: .mode)
        offset = try container.decode(Int64.self, forKey: .offset)
        length = try container.decode(Int64.self, forKey: .length)
        keepSize = try container.decodeIfPresent(Bool.self, forKey: .keepSize)
    }

    func fallocateMode() throws(Problem) -> FallocateMode {
        switch mode {
        case "allocate": return .allocate(keepSize: keepSize ?? false)
        case "punch_hole":
            // fallocate(2) punches only with FALLOC_FL_KEEP_SIZE; asking for the size to move is EOPNOTSUPP there.
            if keepSize == false {
                throw .unprocessable("punch_hole always keeps the size", errno: "EOPNOTSUPP")
            }
            return .punchHole
        default: throw .unprocessable("mode must be allocate or punch_hole")
        }
    }
}

/// A file as a tenant sees it.
struct FileView: Encodable {
    var id: String
    var name: String
    var backend: String
    /// The VM of a guest_memfd file; absent for a memfd.
    var vm: String?
    var size: Int64
    var allocatedBytes: Int64
    var seals: [String]
    var flags: FlagsBody
    var createdAt: WireDate
    var updatedAt: WireDate

    init(_ file: FileSnapshot) {
        id = file.id.rawValue
        name = file.name
        backend = file.backend.wireName
        vm = file.vm?.rawValue
        size = file.size
        allocatedBytes = file.allocatedBytes
        seals = SealNames.names(file.seals)
        flags = FlagsBody(file.flags)
        createdAt = WireDate(file.createdAt)
        updatedAt = WireDate(file.updatedAt)
    }
}

/// `PUT /v1/files/{fid}/content`.
struct WriteView: Encodable {
    var written: Int64
    var size: Int64
}

/// `GET /v1/files/{fid}/seals`.
struct SealsView: Encodable {
    var seals: [String]
}
