import Glibc
import GuestMem
import Testing

/// What the KVM tests share: whether this host lets gmemd use KVM, and shorthands.
enum KVMTest {
    /// Whether /dev/kvm opens read-write and speaks KVM. Where it does not, every test that needs
    /// it reports itself skipped by name. To see that on a host with KVM, hide the device in a
    /// private mount namespace:
    /// `unshare -m sh -c 'mount --bind /dev/null /dev/kvm && swift test --filter KVM'`.
    static let hasKVM: Bool = {
        do {
            let host = try KVMHost()
            host.close()
            return true
        } catch {
            return false
        }
    }()

    static let page = Int64(sysconf(Int32(_SC_PAGESIZE)))
    static let mebibyte: Int64 = 1 << 20

    /// A fresh VM; the host fd is closed again at once, as the VM does not need it.
    static func vm() throws -> VirtualMachine {
        let host = try KVMHost()
        return try host.createVM()
    }

    static func range(_ offset: Int64, _ length: Int64) throws -> ByteRange {
        try ByteRange(offset: offset, length: length)
    }
}

extension Trait where Self == ConditionTrait {
    /// Skips the test, by name and with this reason, where KVM is not usable.
    static var needsKVM: Self { .enabled(if: KVMTest.hasKVM, "needs read-write /dev/kvm") }
}
