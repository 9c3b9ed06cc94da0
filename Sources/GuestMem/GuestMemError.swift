package import SystemPackage

/// Why GuestMem refused. When one of these is thrown, nothing was changed (design.md §3).
package enum GuestMemError: Error, Equatable {
    /// An unknown id, a malformed one, or another tenant's: the same answer, so ids cannot be probed.
    case notFound(String)
    /// Can never succeed as asked: unaligned, negative, overflowing.
    case invalid(String, errno: Errno)
    /// The request body names a resource (a VM) the caller does not have: the body's fault, not
    /// the URL's, so it is told apart from `notFound`.
    case unknownReference(String)
    /// Needs what this gmemd does not serve: a feature the host lacks (KVM, guest_memfd or one of
    /// its flags, huge pages) or a backend the operator turned off. The detail names it; the
    /// errno is ENODEV or EOPNOTSUPP (design.md §3). Decided before any syscall.
    case unsupported(String, errno: Errno)
    /// Refused by the file's state: a seal (EPERM), busy (EBUSY).
    case refused(String, errno: Errno)
    /// One of the caller's own limits would be crossed (a tenant limit, a consumer's pins): the
    /// client's problem, errno EDQUOT. Retrying unchanged will not help; freeing something will.
    case quotaExceeded(String)
    /// The host itself is out: its headroom (MemAvailable less the reserve, ENOMEM), or a kernel
    /// refusal for want of memory, space or fds.
    case exhausted(String, errno: Errno)
    /// The caller's expected version (If-Match) is not the file's current one.
    case preconditionFailed(String)
    /// It existed and was taken away by someone else: a pin revoked by a punch, a shrink or a
    /// delete, or released when its consumer detached.
    case gone(String)
    /// gmemd could not save its own state: not the caller's doing. A tenant's change did not
    /// happen; a file's change happened but its journal record may be older (a restart may
    /// forget it).
    case unsaved(String)

    /// The kernel's refusal of `call`, sorted by its errno: the service passes the kernel's own
    /// answer through unchanged (design.md §2, "What the kernel does that shapes the service").
    package static func kernel(_ call: String, _ errno: Errno) -> Self {
        let why = "\(call): \(errno.symbol)"
        switch errno {
        case .invalidArgument, .notSupported, .operationNotSupportedByDevice, .fileTooLarge,
            .illegalSeek, .overflow, .outOfRange, .noSuchAddressOrDevice, .fileNameTooLong:
            return .invalid(why, errno: errno)
        case .inappropriateIOCTLForDevice:
            // ENOTTY: the kernel does not know the ioctl, so this host lacks the feature.
            return .unsupported(why, errno: errno)
        case .noSpace, .noMemory, .diskQuotaExceeded, .tooManyOpenFiles, .tooManyOpenFilesInSystem:
            return .exhausted(why, errno: errno)
        default:
            // EPERM, EBUSY, EACCES and anything unforeseen: the state of the file or the host
            // refused it, and retrying unchanged will not help either.
            return .refused(why, errno: errno)
        }
    }

    /// The errno this refusal maps to, where one applies.
    package var errno: Errno? {
        switch self {
        case .notFound, .unknownReference, .preconditionFailed, .gone, .unsaved: nil
        case .quotaExceeded: .diskQuotaExceeded
        case .invalid(_, let errno), .unsupported(_, let errno), .refused(_, let errno),
            .exhausted(_, let errno):
            errno
        }
    }
}
