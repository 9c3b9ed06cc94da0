import SystemPackage
import TestSupport
import Testing

@testable import GuestMem

/// Memslots over a guest_memfd or a memfd, answered by the kernel (kernel-semantics.md §1m).
/// The guest_memfd is 4 MiB; the first slot binds its first MiB at GPA 1 MiB, as the probe did.
@Suite(.timeLimit(.scaledMinutes(10)))
struct KVMMemslotTests {
    static let mib = KVMTest.mebibyte

    @Test(.needsGuestMemfd) func firstBindingTakesSlotZeroAndIsListed() throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)

        let slot = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))

        #expect(slot.id == 0)
        #expect(slot.backing == .guestMemfd)
        #expect(vm.memslots == [slot])
    }

    @Test(.needsGuestMemfd) func secondBindingOverAnOverlappingFileRangeIsEINVAL() throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)
        let first = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))

        // B2: a different GPA, but the file's [512 KiB, 1.5 MiB) overlaps the first binding.
        #expect(throws: Errno.invalidArgument) {
            _ = try vm.bind(file, KVMTest.range(Self.mib / 2, Self.mib), at: UInt64(8 * Self.mib))
        }
        #expect(vm.memslots == [first])
    }

    @Test(.needsGuestMemfd) func bindingWhoseGuestAddressesOverlapIsEEXIST() throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)
        let first = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))

        // B3: a separate range of the file, but GPA [1.5 MiB, 2.5 MiB) overlaps the first slot.
        #expect(throws: Errno.fileExists) {
            _ = try vm.bind(file, KVMTest.range(2 * Self.mib, Self.mib), at: UInt64(Self.mib + Self.mib / 2))
        }
        #expect(vm.memslots == [first])
    }

    @Test(.needsGuestMemfd) func adjacentFileRangesBindSideBySide() throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)

        let first = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))
        let second = try vm.bind(file, KVMTest.range(Self.mib, Self.mib), at: UInt64(8 * Self.mib))

        #expect(vm.memslots.map(\.id) == [first.id, second.id])
    }

    @Test(.needsGuestMemfd) func guestMemfdOfAnotherVMIsEINVAL() throws {
        let owner = try KVMTest.vm()
        var other = try KVMTest.vm()
        let file = try GuestMemfd(in: owner, size: 4 * Self.mib, flags: .none)

        #expect(throws: Errno.invalidArgument) { _ = try other.bind(file, KVMTest.range(0, Self.mib), at: 0) }
        #expect(other.memslots.isEmpty)
    }

    @Test(
        .needsGuestMemfd,
        arguments: [
            (Self.mib + 1, 0, KVMTest.page),  // unaligned GPA (B6)
            (16 * Self.mib, 100, KVMTest.page),  // unaligned file offset (B5)
            (16 * Self.mib, 0, KVMTest.page + 1),  // unaligned size (B6)
            (16 * Self.mib, 3 * Self.mib + KVMTest.page, Self.mib),  // past the end of the file (B5)
            (16 * Self.mib, 4 * Self.mib, KVMTest.page),  // starting at the end of the file (B5)
        ] as [(Int64, Int64, Int64)])
    func unalignedOrOutOfFileBindingIsEINVAL(gpa: Int64, offset: Int64, length: Int64) throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)

        #expect(throws: Errno.invalidArgument) {
            _ = try vm.bind(file, KVMTest.range(offset, length), at: UInt64(gpa))
        }
        #expect(vm.memslots.isEmpty)
    }

    @Test(.needsGuestMemfd) func deletedBindingFreesItsFileRangeAndSlotIDForTheNext() throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)
        let first = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))
        let second = try vm.bind(file, KVMTest.range(Self.mib, Self.mib), at: UInt64(8 * Self.mib))

        try vm.unbind(first)
        let again = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))

        // B17: the range is free again; the lowest free id is reused.
        #expect(again.id == first.id)
        #expect(vm.memslots == [again, second])
    }

    @Test(.needsGuestMemfd) func unbindingASlotTwiceIsENOENT() throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)
        let slot = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))
        try vm.unbind(slot)

        #expect(throws: Errno.noSuchFileOrDirectory) { try vm.unbind(slot) }
    }

    @Test(.needsGuestMemfdMmap) func slotOverAMappableGuestMemfdKeepsTheFilesMappingAfterTheFdCloses() throws
    {
        var vm = try KVMTest.vm()
        var file = try GuestMemfd(in: vm, size: 2 * Self.mib, flags: .mappable)
        try file.write([0x33], at: Self.mib)
        let mapping = file.mapping
        let address = try #require(mapping).userspaceAddress

        let slot = try vm.bind(file, KVMTest.range(Self.mib, Self.mib), at: UInt64(400 * Self.mib))
        file.close()

        // B23: the slot's userspace_addr points into the file's own mapping, which the slot keeps.
        let held = try #require(vm.bindings[slot.id]?.mapping)
        #expect(held.userspaceAddress == address)
        #expect(held.base.load(fromByteOffset: Int(Self.mib), as: UInt8.self) == 0x33)
    }

    @Test(.needsKVM) func memfdRangeBindsThroughAMappingGmemdMakes() throws {
        var vm = try KVMTest.vm()
        let memfd = try Memfd(name: "kvm-test", options: [])
        try memfd.resize(to: 2 * Self.mib)

        let slot = try vm.bind(memfd: memfd.fd, KVMTest.range(0, 2 * Self.mib), at: UInt64(64 * Self.mib))

        #expect(slot.backing == .memfd)
        #expect(vm.bindings[slot.id]?.mapping?.length == Int(2 * Self.mib))
        try vm.unbind(slot)
        #expect(vm.memslots.isEmpty)
    }

    @Test(.needsGuestMemfd) func memfdSlotOverlappingAGuestMemfdSlotsAddressesIsEEXIST() throws {
        var vm = try KVMTest.vm()
        let file = try GuestMemfd(in: vm, size: 4 * Self.mib, flags: .none)
        let memfd = try Memfd(name: "kvm-test", options: [])
        try memfd.resize(to: Self.mib)
        let first = try vm.bind(file, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))

        #expect(throws: Errno.fileExists) {
            _ = try vm.bind(memfd: memfd.fd, KVMTest.range(0, Self.mib), at: UInt64(Self.mib))
        }
        #expect(vm.memslots == [first])
    }

    /// The kernel's list of this process's mappings is what tells: a memfd's mapping shows there
    /// under the memfd's name, made unique here so that no other test's memfd can stand for it.
    @Test(.needsKVM) func closingTheVMUnmapsWhatItsMemfdSlotsPointedAt() throws {
        var vm = try KVMTest.vm()
        let name = "kvm-unmap-\(UInt64.random(in: 0 ... .max))"
        let memfd = try Memfd(name: name, options: [])
        try memfd.resize(to: Self.mib)
        _ = try vm.bind(memfd: memfd.fd, KVMTest.range(0, Self.mib), at: 0)
        // One mapping, which the kernel may show as more than one line (its VMA split).
        #expect(try !Self.mappings(of: name).isEmpty, "the slot maps the memfd")

        vm.close()

        #expect(try Self.mappings(of: name).isEmpty)
    }

    /// The lines of /proc/self/maps that map the memfd called `name`.
    static func mappings(of name: String) throws -> [Substring] {
        try ProcFile.text("/proc/self/maps").split(separator: "\n")
            .filter { $0.hasSuffix("/memfd:\(name) (deleted)") || $0.hasSuffix("/memfd:\(name)") }
    }
}
