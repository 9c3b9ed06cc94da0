import GuestMem

/// `POST /v1/vms`. The body may be left out: the VM then has no name.
struct CreateVMBody: JSONBody {
    static let jsonLimits = JSONLimits.flat

    var name: String?

    enum CodingKeys: String, CodingKey, CaseIterable { case name }

    init() {}

    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        name = try decoder.container(keyedBy: CodingKeys.self).decodeNameIfPresent(forKey: .name)
    }
}

/// A VM as its tenant sees it.
struct VMView: Encodable {
    var id: String
    var name: String?
    var createdAt: String
    /// Its guest_memfd files, by id.
    var files: [String]
    var memslots: [MemslotView]
    var maxMemslots: Int

    init(_ vm: VMSnapshot) {
        id = vm.id.rawValue
        name = vm.name
        createdAt = WireTime.string(vm.createdAt)
        files = vm.files.map(\.rawValue)
        memslots = vm.memslots.map(MemslotView.init)
        maxMemslots = vm.maxMemslots
    }
}

/// One memslot: guest physical addresses `[gpa, gpa + size)` backed by `file` from `offset`,
/// bound by the kvm consumer `consumer`.
struct MemslotView: Encodable {
    var slot: UInt32
    var gpa: UInt64
    var size: Int64
    var offset: Int64
    var backing: String
    var consumer: String?
    var file: String?

    init(_ memslot: Memslot) {
        slot = memslot.id
        gpa = memslot.guestPhysicalAddress
        size = memslot.fileRange.length
        offset = memslot.fileRange.offset
        backing = memslot.backing == .guestMemfd ? "guest_memfd" : "memfd"
    }

    init(_ bound: VMSnapshot.BoundMemslot) {
        self.init(bound.memslot)
        consumer = bound.consumer.rawValue
        file = bound.file.rawValue
    }
}

/// A kvm consumer's memslot, as its consumer shows it.
struct BindingView: Encodable {
    var vm: String
    var slot: UInt32
    var gpa: UInt64
    var size: Int64

    init(_ binding: KVMBinding) {
        vm = binding.vm.rawValue
        slot = binding.memslot.id
        gpa = binding.memslot.guestPhysicalAddress
        size = binding.memslot.fileRange.length
    }
}

extension AttachConsumerBody {
    /// `vm` and `gpa`, which bind a kvm consumer as a memslot: both or neither. A vm id that is
    /// not one answers 422, as an unknown one does.
    func binding() throws(Problem) -> KVMBindingRequest? {
        switch (vm, gpa) {
        case (nil, nil): return nil
        case (let vm?, let gpa?):
            guard gpa >= 0 else { throw .unprocessable("gpa must not be negative") }
            guard let id = VMID(vm) else { throw .unknownReference("vm") }
            return KVMBindingRequest(vm: id, gpa: UInt64(gpa))
        default: throw .unprocessable("vm and gpa bind a kvm consumer together: give both or neither")
        }
    }
}

extension FlagsBody {
    /// The guest_memfd flags asked for. The memfd flags do not apply: a guest_memfd is not
    /// sealable, and one without mmap is inaccessible by nature.
    func guestMemfdFlags() throws(Problem) -> GuestMemfdFlags {
        for (name, value) in [
            ("allow_sealing", allowSealing), ("inaccessible", inaccessible), ("hugetlb", hugetlb),
            ("exec", exec), ("noexec_seal", noexecSeal),
        ] where value == true {
            throw .unprocessable("flags.\(name) applies to backend memfd only")
        }
        return GuestMemfdFlags(mmap: mmap ?? false, initShared: initShared ?? false)
    }
}
