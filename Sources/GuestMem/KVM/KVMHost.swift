import CKVM
import Glibc
import Posix
package import SystemPackage

/// The open KVM system fd (/dev/kvm) and what it offers. Opened once at start; not copyable, so
/// it has one owner and closing it twice does not compile. VMs it created outlive it.
package struct KVMHost: ~Copyable {
    let fd: FileDescriptor
    /// Probed when the device was opened; KVM's capabilities do not change while it runs.
    package let capabilities: KVMCapabilities

    /// Opens `devicePath` read-write and close-on-exec, checks the API version and probes the
    /// capabilities. Throws why KVM is unavailable, sorted for the server to report.
    /// The corresponding C calls are `open`, `ioctl(KVM_GET_API_VERSION)`, `ioctl(KVM_CHECK_EXTENSION)`.
    package init(devicePath: FilePath = "/dev/kvm") throws(KVMUnavailable) {
        let fd: FileDescriptor
        do throws(Errno) {
            fd = FileDescriptor(
                rawValue: try syscall("open") {
                    devicePath.withPlatformString { open($0, O_RDWR | O_CLOEXEC) }
                })
        } catch {
            throw KVMUnavailable(opening: devicePath, error)
        }
        do throws(KVMUnavailable) {
            capabilities = try Self.probe(fd, devicePath)
        } catch {
            try? fd.close()
            throw error
        }
        self.fd = fd
    }

    /// Creates a VM of the default type (0), with no vCPUs. Its ioctls work only from this
    /// process (kernel-semantics.md L5); gmemd is one process.
    /// The corresponding C call is `ioctl(kvm, KVM_CREATE_VM, 0)`.
    package func createVM() throws(Errno) -> VirtualMachine {
        let vm = FileDescriptor(
            rawValue: try syscall("KVM_CREATE_VM") { gmemd_kvm_create_vm(fd.rawValue, 0) })
        do throws(Errno) {
            try vm.setCloseOnExec()
        } catch {
            try? vm.close()
            throw error
        }
        return VirtualMachine(adopting: vm, maxMemslots: capabilities.maxMemslots)
    }

    /// Closes the system fd, here rather than where the value goes out of scope. VMs created
    /// from it stay usable. The closing is deinit's: `discard self` is not allowed for a type
    /// holding an array, so ending the value runs it.
    package consuming func close() {}

    deinit { try? fd.close() }  // Linux has closed the fd even when close(2) reports EINTR or EIO

    /// Checks the API version, then asks for each capability. Anything refusing the first ioctl
    /// is not KVM (/dev/null answers ENOTTY).
    private static func probe(_ fd: FileDescriptor, _ path: FilePath) throws(KVMUnavailable)
        -> KVMCapabilities
    {
        let version: Int
        do throws(Errno) {
            version = Int(try syscall("KVM_GET_API_VERSION") { gmemd_kvm_get_api_version(fd.rawValue) })
        } catch {
            throw .notKVM(path, error)
        }
        guard version == GMEMD_KVM_API_VERSION else { throw .unsupportedAPIVersion(version) }
        do throws(Errno) {
            return try KVMCapabilities(probing: fd, apiVersion: version)
        } catch {
            throw .notKVM(path, error)
        }
    }
}
