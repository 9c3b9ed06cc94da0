import GuestMem

/// `POST /v1/files/{fid}/consumers`.
struct AttachConsumerBody: JSONBody {
    static let jsonLimits = JSONLimits.flat

    var kind: String
    var label: String?
    var offset: Int64?
    var length: Int64?
    var exclusive: Bool?
    var vm: String?
    var gpa: Int64?
    var access: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, label, offset, length, exclusive, vm, gpa, access
    }

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        label = try container.decodeNameIfPresent(forKey: .label)
        offset = try container.decodeIfPresent(Int64.self, forKey: .offset)
        length = try container.decodeIfPresent(Int64.self, forKey: .length)
        exclusive = try container.decodeIfPresent(Bool.self, forKey: .exclusive)
        vm = try container.decodeIfPresent(String.self, forKey: .vm)
        gpa = try container.decodeIfPresent(Int64.self, forKey: .gpa)
        access = try container.decodeIfPresent(String.self, forKey: .access)
    }

    /// The request in domain terms; an unknown kind is 422 and names the known ones.
    func request() throws(Problem) -> ConsumerRequest {
        guard let kind = ConsumerKindNames.kind(named: kind) else {
            let known = ConsumerKind.allCases.map(ConsumerKindNames.name).joined(separator: ", ")
            throw .unprocessable("unknown consumer kind '\(kind)'; known: \(known)")
        }
        return ConsumerRequest(
            kind: kind, label: label, offset: offset ?? 0, length: length, isExclusive: exclusive ?? false,
            binding: try binding(), access: try descriptorAccess(for: kind))
    }

    /// `access` belongs to a process consumer (default read_write), and only to one.
    private func descriptorAccess(for kind: ConsumerKind) throws(Problem) -> DescriptorAccess {
        guard kind == .process else {
            if access != nil { throw .unprocessable("access applies to a process consumer only") }
            return .readWrite
        }
        if vm != nil || gpa != nil {
            throw .unprocessable("vm and gpa bind a kvm consumer, not a process one")
        }
        switch access ?? "read_write" {
        case "read_write": return .readWrite
        case "read_only": return .readOnly
        default: throw .unprocessable("access must be read_write or read_only")
        }
    }
}

/// Consumer kinds on the wire (design.md §2).
enum ConsumerKindNames {
    static func name(_ kind: ConsumerKind) -> String {
        switch kind {
        case .kvm: "kvm"
        case .vfio: "vfio"
        case .iommu: "iommu"
        case .rdma: "rdma"
        case .generic: "generic"
        case .process: "process"
        }
    }

    static func kind(named name: String) -> ConsumerKind? {
        ConsumerKind.allCases.first { Self.name($0) == name }
    }
}

/// A consumer as its tenant sees it. `length` is absent when it follows the file's size.
struct ConsumerView: Encodable {
    var id: String
    var fileId: String
    var kind: String
    var label: String?
    var offset: Int64
    var length: Int64?
    var exclusive: Bool
    var state: String
    var attachedAt: WireDate
    var detachedAt: WireDate?
    var lastSeq: UInt64
    var pins: Int
    var readers: Int
    /// A kvm consumer's memslot.
    var binding: BindingView?
    /// A process consumer's descriptors.
    var fd: DescriptorView?

    init(_ consumer: ConsumerSnapshot) {
        id = consumer.id.rawValue
        fileId = consumer.fileID.rawValue
        kind = ConsumerKindNames.name(consumer.kind)
        label = consumer.label
        offset = consumer.range.offset
        length = consumer.isOpenEnded ? nil : consumer.range.length
        exclusive = consumer.isExclusive
        state = consumer.detachedAt == nil ? "attached" : "detached"
        attachedAt = WireDate(consumer.attachedAt)
        detachedAt = consumer.detachedAt.map(WireDate.init)
        lastSeq = consumer.lastSeq
        pins = consumer.livePins
        readers = consumer.waitingReaders
        // A detached consumer's slot is deleted.
        binding = consumer.detachedAt == nil ? consumer.binding.map(BindingView.init) : nil
        fd = consumer.access.map { DescriptorView(access: $0, handedOut: consumer.descriptorsHandedOut) }
    }
}

/// What a process consumer was handed: descriptors of one access mode, this many times.
struct DescriptorView: Encodable {
    var access: String
    var handedOut: Int

    init(access: DescriptorAccess, handedOut: Int) {
        switch access {
        case .readWrite: self.access = "read_write"
        case .readOnly: self.access = "read_only"
        }
        self.handedOut = handedOut
    }
}
