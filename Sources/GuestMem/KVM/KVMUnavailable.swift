package import SystemPackage

/// Why this host offers no KVM to gmemd, found once at start. The server reports it in
/// /v1/health and refuses guest_memfd files and VMs with it (design.md §3: 422, detail says
/// what is missing).
package enum KVMUnavailable: Error, Hashable, Sendable {
    /// open(2) said ENOENT, ENODEV or ENXIO: no KVM device on this host or in this namespace.
    case missingDevice(FilePath)
    /// open(2) said EACCES, EPERM or EROFS: the device is not read-write for this user
    /// (mode 0600 root:root here, 0660 root:kvm on most distributions; kernel-semantics.md K1).
    case permissionDenied(FilePath, Errno)
    /// open(2) failed for another reason.
    case openFailed(FilePath, Errno)
    /// The file opened but refused KVM_GET_API_VERSION (ENOTTY from anything that is not KVM).
    case notKVM(FilePath, Errno)
    /// KVM_GET_API_VERSION answered something other than 12, the only version Linux has had.
    case unsupportedAPIVersion(Int)

    /// One sentence for /v1/health and a problem's detail.
    package var reason: String {
        switch self {
        case .missingDevice(let path): "\(path) does not exist"
        case .permissionDenied(let path, let errno):
            "\(path) is not read-write for this user (\(errno.symbol))"
        case .openFailed(let path, let errno): "opening \(path) failed (\(errno.symbol))"
        case .notKVM(let path, let errno):
            "\(path) is not a KVM device: KVM_GET_API_VERSION gave \(errno.symbol)"
        case .unsupportedAPIVersion(let version): "KVM API version \(version), gmemd speaks 12"
        }
    }

    /// The errno a refused request carries: ENODEV where the device is missing or is not KVM,
    /// the open's own errno where it was refused, EOPNOTSUPP for a KVM gmemd cannot speak.
    package var errno: Errno {
        switch self {
        case .missingDevice, .notKVM: .operationNotSupportedByDevice
        case .permissionDenied(_, let errno), .openFailed(_, let errno): errno
        case .unsupportedAPIVersion: .notSupported
        }
    }

    /// Sorts open(2)'s refusal of `path`.
    init(opening path: FilePath, _ errno: Errno) {
        switch errno {
        case .noSuchFileOrDirectory, .operationNotSupportedByDevice, .noSuchAddressOrDevice:
            self = .missingDevice(path)
        case .permissionDenied, .notPermitted, .readOnlyFileSystem:
            self = .permissionDenied(path, errno)
        default:
            self = .openFailed(path, errno)
        }
    }
}
