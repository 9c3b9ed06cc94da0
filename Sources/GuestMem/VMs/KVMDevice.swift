import Locking
package import SystemPackage

/// KVM as gmemd found it at start: the open system fd and its capabilities, or why there is
/// none. Opened once; a host without KVM runs gmemd all the same, and every KVM request is
/// refused with the reason `ServedFeatures` gives (design.md §3: 422, ENODEV or the open's errno).
package final class KVMDevice: Sendable {
    /// What the device offers, or why it is unavailable. Fixed for gmemd's life.
    package let status: Result<KVMCapabilities, KVMUnavailable>
    /// The system fd VMs are created from; nil when unavailable. Behind a lock only because a
    /// `~Copyable` value has no other way into a `Sendable` class: KVM_CREATE_VM is quick.
    private let host: PthreadMutex<KVMHost?>

    /// Opens `devicePath` (/dev/kvm unless a test points elsewhere) and probes it.
    package init(devicePath: FilePath = "/dev/kvm") {
        do throws(KVMUnavailable) {
            let opened = try KVMHost(devicePath: devicePath)
            status = .success(opened.capabilities)
            host = PthreadMutex(opened)
        } catch {
            status = .failure(error)
            host = PthreadMutex(nil)
        }
    }

    /// A new VM with no vCPUs. The kernel's refusal (EMFILE, ENOMEM, …) comes back as it is.
    /// Callers ask `ServedFeatures` first, which says why when there is no KVM.
    func createVM() throws(GuestMemError) -> VirtualMachine {
        try host.withLock { (host) throws(GuestMemError) -> VirtualMachine in
            switch host {
            case .some(let kvm): return try kernel("KVM_CREATE_VM") { () throws(Errno) in try kvm.createVM() }
            case .none: throw .unsupported("KVM is unavailable", errno: .operationNotSupportedByDevice)
            }
        }
    }
}
