import CKVM
import Posix
import SystemPackage

extension KVMCapabilities {
    /// Asks the KVM system fd `kvm` for every capability gmemd relies on.
    init(probing kvm: FileDescriptor, apiVersion: Int) throws(Errno) {
        let flags = try Self.checkExtension(kvm, GMEMD_KVM_CAP_GUEST_MEMFD_FLAGS)
        let vmTypeBits = try Self.checkExtension(kvm, GMEMD_KVM_CAP_VM_TYPES)
        self.init(
            apiVersion: apiVersion,
            hasUserMemory2: try Self.checkExtension(kvm, GMEMD_KVM_CAP_USER_MEMORY2) > 0,
            hasGuestMemfd: try Self.checkExtension(kvm, GMEMD_KVM_CAP_GUEST_MEMFD) > 0,
            guestMemfdSupportsMmap: flags & Int(GMEMD_GUEST_MEMFD_FLAG_MMAP) != 0,
            guestMemfdSupportsInitShared: flags & Int(GMEMD_GUEST_MEMFD_FLAG_INIT_SHARED) != 0,
            maxMemslots: try Self.checkExtension(kvm, GMEMD_KVM_CAP_NR_MEMSLOTS),
            // A kernel without KVM_CAP_VM_TYPES (before 6.8) answers 0, yet has the default VM.
            vmTypes: vmTypeBits == 0 ? [0] : (0..<Int.bitWidth).filter { vmTypeBits & (1 << $0) != 0 }
        )
    }

    /// The value of one capability; 0 when this kernel does not know it.
    /// The corresponding C call is `ioctl(fd, KVM_CHECK_EXTENSION, capability)`.
    private static func checkExtension(_ fd: FileDescriptor, _ capability: Int) throws(Errno) -> Int {
        Int(try syscall("KVM_CHECK_EXTENSION") { gmemd_kvm_check_extension(fd.rawValue, capability) })
    }
}
