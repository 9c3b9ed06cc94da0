import GuestMem
import SystemPackage
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A GET of a memfd only gmemd changes answers the kernel's figures (size, st_blocks × 512,
/// F_GET_SEALS) as its last change read and published them, with no syscall: after every kind of
/// change they must be the kernel's own answer, under the change's version. A memfd whose figures
/// can move without gmemd (a descriptor outside, a memslot's mapping) is read from the kernel.
@Suite(.timeLimit(.scaledMinutes(10)))
struct PublishedFiguresTests {
    static let kib: Int64 = 1024

    /// Each way gmemd itself changes a memfd, made on a 1 MiB file whose first 256 KiB are
    /// allocated; each moves at least one figure, so a change that kept its old figures shows.
    enum Change: String, CaseIterable, CustomTestStringConvertible {
        case allocateInside, allocateGrowing, allocatePastTheEndKeepingSize, punch, write
        case writePastTheEnd, grow, shrink, sealGrowAndShrink, sealWrite, pinAllocating

        var testDescription: String { rawValue }

        /// Makes the change; answers the file as the change answered it, where it answers one.
        func apply(_ fixture: Fixture, _ id: FileID) throws -> FileSnapshot? {
            let kib = PublishedFiguresTests.kib
            switch self {
            case .allocateInside: return try fixture.allocate(id, 512 * kib, 64 * kib, keepSize: true)
            case .allocateGrowing: return try fixture.allocate(id, 1024 * kib, 64 * kib)
            case .allocatePastTheEndKeepingSize:
                return try fixture.allocate(id, 2048 * kib, 64 * kib, keepSize: true)
            case .punch: return try fixture.punch(id, 0, 64 * kib)
            case .write:
                _ = try fixture.store.write(id, of: fixture.tenant, offset: 600 * kib, bytes: [1, 2, 3])
                return nil
            case .writePastTheEnd:
                _ = try fixture.store.write(
                    id, of: fixture.tenant, offset: 1024 * kib + 100, bytes: [1, 2, 3])
                return nil
            case .grow: return try fixture.store.resize(id, of: fixture.tenant, to: 2048 * kib)
            case .shrink: return try fixture.store.resize(id, of: fixture.tenant, to: 128 * kib)
            case .sealGrowAndShrink: return try fixture.addSeals([.grow, .shrink], to: id)
            case .sealWrite: return try fixture.addSeals([.write], to: id)
            case .pinAllocating:
                let consumer = try fixture.store.attach(
                    ConsumerRequest(kind: .rdma), to: id, of: fixture.tenant)
                _ = try fixture.store.pin(
                    try ByteRange(offset: 768 * kib, length: 64 * kib), allocate: true, for: consumer.id,
                    of: fixture.tenant)
                return nil
            }
        }
    }

    @Test(arguments: Change.allCases)
    func aReadAfterEachChangeAnswersTheKernelsFiguresUnderTheChangesVersion(change: Change) throws {
        let fixture = try Fixture()
        let name = MemfdProbe.uniqueName()
        let file = try fixture.create(size: 1024 * Self.kib, name: name)
        #expect(try MemfdProbe.figures(named: name) == KernelFigures(file))
        try fixture.allocate(file.id, 0, 256 * Self.kib, keepSize: true)
        let before = try fixture.get(file.id)

        let answered = try change.apply(fixture, file.id)
        let read = try fixture.get(file.id)
        let listed = try fixture.store.files(of: fixture.tenant, limit: 10).items

        let kernel = try MemfdProbe.figures(named: name)
        #expect(KernelFigures(read) == kernel)
        #expect(KernelFigures(before) != kernel, "the change moved no figure: it tests nothing")
        #expect(read.version > before.version)
        if let answered { #expect(read == answered) }
        #expect(listed == [read])
    }

    /// A new memfd answers the kernel's figures from the start: its size, and the seals the
    /// kernel set at memfd_create (F_SEAL_SEAL without allow_sealing, M1).
    @Test(arguments: [FileFlags(), FileFlags(allowSealing: false)])
    func aNewFileAnswersTheKernelsFigures(flags: FileFlags) throws {
        let fixture = try Fixture()
        let name = MemfdProbe.uniqueName()

        let file = try fixture.create(size: 1024 * Self.kib, flags: flags, name: name)

        #expect(KernelFigures(file) == (try MemfdProbe.figures(named: name)))
        #expect(try fixture.get(file.id) == file)
        #expect(file.seals.contains(.seal) == !flags.allowSealing)
    }

    /// A memfd taken back after a restart answers what the kernel says of it from the start.
    @Test func aRestoredFileAnswersTheKernelsFiguresOfItsMemfd() throws {
        let fixture = try Fixture()
        let name = MemfdProbe.uniqueName()
        let file = try fixture.create(size: 1024 * Self.kib, name: name)
        try fixture.allocate(file.id, 0, 256 * Self.kib, keepSize: true)
        let sealed = try fixture.addSeals([.grow], to: file.id)
        let record = FileRecord(
            id: file.id, tenant: fixture.tenant, name: name, flags: file.flags, seals: sealed.seals,
            size: sealed.size, version: sealed.version, createdAt: file.createdAt,
            updatedAt: sealed.updatedAt,
            inode: UInt64(try MemfdProbe.status(named: name).st_ino), isExported: false, consumers: [],
            dirty: [])
        let second = MemoryStore()
        try second.addTenant(fixture.tenant, limits: Fixture.roomy)

        let restored = try second.restore(record, descriptor: try MemfdProbe.reopen(named: name))

        #expect(KernelFigures(restored) == (try MemfdProbe.figures(named: name)))
        #expect(try second.file(file.id, of: fixture.tenant) == restored)
        #expect(restored.allocatedBytes == 256 * Self.kib)
    }

    /// A holder of a descriptor gmemd handed out changes the file when it likes; the next read
    /// shows it, and the tenant's usage books it.
    @Test func aFileWhoseDescriptorLeftShowsWhatItsHolderChanged() throws {
        let fixture = try Fixture()
        let name = MemfdProbe.uniqueName()
        let file = try fixture.create(size: 1024 * Self.kib, name: name)
        let (_, fd) = try fixture.store.attachProcess(
            ConsumerRequest(kind: .process, access: .readWrite), to: file.id, of: fixture.tenant)
        defer { try? fd.close() }

        #expect(pwrite(fd.rawValue, [UInt8](repeating: 1, count: 8192), 8192, 0) == 8192)
        #expect(ftruncate(fd.rawValue, off_t(2048 * Self.kib)) == 0)
        #expect(gmemdTestAddSeals(fd.rawValue, SealSet.grow.rawValue) == 0)
        let read = try fixture.get(file.id)

        #expect(KernelFigures(read) == (try MemfdProbe.figures(named: name)))
        #expect(read.allocatedBytes == 8192)
        #expect(read.size == 2048 * Self.kib)
        #expect(read.seals.contains(.grow))
        #expect(try fixture.usage().allocatedBytes == 8192)
    }

    /// A memfd bound as a memslot is mapped: what is written through a mapping (the guest's
    /// writes; here a second descriptor of the same memfd stands for them, as gmemd runs no vCPU)
    /// allocates pages no call of gmemd's made. The next read shows them, also once the memslot
    /// is gone, and the tenant's usage books them.
    @Test(.needsKVM) func aMemfdBoundAsAMemslotShowsPagesWrittenBehindGmemd() throws {
        let fixture = try Fixture()
        let vm = try fixture.store.createVM(for: fixture.tenant).id
        let name = MemfdProbe.uniqueName()
        let file = try fixture.create(size: 1024 * Self.kib, name: name)
        let consumer = try fixture.store.attach(
            ConsumerRequest(kind: .kvm, binding: KVMBindingRequest(vm: vm, gpa: 16 << 20)), to: file.id,
            of: fixture.tenant)
        let writer = try MemfdProbe.reopen(named: name)
        defer { try? writer.close() }

        #expect(pwrite(writer.rawValue, [UInt8](repeating: 1, count: 4096), 4096, 0) == 4096)
        let whileBound = try fixture.get(file.id)
        try fixture.store.detach(consumer.id, of: fixture.tenant)
        #expect(pwrite(writer.rawValue, [UInt8](repeating: 1, count: 4096), 4096, 65536) == 4096)
        let afterDetach = try fixture.get(file.id)

        #expect(whileBound.allocatedBytes == 4096)
        #expect(afterDetach.allocatedBytes == 8192)
        #expect(KernelFigures(afterDetach) == (try MemfdProbe.figures(named: name)))
        #expect(try fixture.usage().allocatedBytes == 8192)
    }
}

/// A memfd's figures as a test compares them: the kernel's seal bits only.
struct KernelFigures: Equatable, CustomStringConvertible {
    let size: Int64
    let allocatedBytes: Int64
    let seals: UInt32

    init(size: Int64, allocatedBytes: Int64, seals: UInt32) {
        (self.size, self.allocatedBytes, self.seals) = (size, allocatedBytes, seals)
    }

    init(_ file: FileSnapshot) {
        self.init(size: file.size, allocatedBytes: file.allocatedBytes, seals: file.seals.kernelBits)
    }

    var description: String {
        "size \(size), allocated \(allocatedBytes), seals 0x\(String(seals, radix: 16))"
    }
}

/// The kernel's own answer about a memfd the store holds, asked without the store: its
/// descriptor is found in /proc/self/fd by its link, `/memfd:NAME (deleted)`, and asked with
/// fstat(2) and F_GET_SEALS. Nothing is opened, so the file stays unexported.
enum MemfdProbe {
    /// A name no other test's memfd has: the tests of this process run side by side.
    static func uniqueName() -> String { "figures-\(UInt64.random(in: 0...UInt64.max))" }

    /// The descriptor number the store holds for the memfd named `name`.
    static func descriptor(named name: String) throws -> Int32 {
        let target = "/memfd:\(name) (deleted)"
        guard let directory = opendir("/proc/self/fd") else { throw Errno(rawValue: errno) }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let number = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let fd = Int32(number) else { continue }
            var link = [CChar](repeating: 0, count: 512)
            let count = readlink("/proc/self/fd/\(fd)", &link, link.count - 1)
            guard count > 0 else { continue }
            if String(decoding: link.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self) == target {
                return fd
            }
        }
        throw Errno.noSuchFileOrDirectory
    }

    static func status(named name: String) throws -> stat {
        var info = stat()
        guard fstat(try descriptor(named: name), &info) == 0 else { throw Errno(rawValue: errno) }
        return info
    }

    static func figures(named name: String) throws -> KernelFigures {
        let info = try status(named: name)
        let seals = gmemdTestGetSeals(try descriptor(named: name))
        guard seals >= 0 else { throw Errno(rawValue: errno) }
        return KernelFigures(
            size: Int64(info.st_size), allocatedBytes: Int64(info.st_blocks) * 512, seals: UInt32(seals))
    }

    /// A new descriptor of the memfd, read-write, opened through /proc: one gmemd does not know of.
    static func reopen(named name: String) throws -> FileDescriptor {
        let fd = open("/proc/self/fd/\(try descriptor(named: name))", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return FileDescriptor(rawValue: fd)
    }
}

/// fcntl(F_GET_SEALS) and fcntl(F_ADD_SEALS): Glibc's Swift module has neither the variadic call
/// nor the Linux constants (F_LINUX_SPECIFIC_BASE + 10 and + 9, include/uapi/linux/fcntl.h).
private func gmemdTestGetSeals(_ fd: Int32) -> Int32 { fcntl(fd, 1034) }
private func gmemdTestAddSeals(_ fd: Int32, _ seals: UInt32) -> Int32 { fcntl(fd, 1033, Int32(seals)) }
