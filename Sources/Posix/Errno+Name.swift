package import SystemPackage

extension Errno {
    /// The errno's C macro name (`EPERM`, `EBUSY`, …), as problem+json's `errno` field spells it.
    package var symbol: String {
        switch self {
        case .notPermitted: "EPERM"
        case .noSuchFileOrDirectory: "ENOENT"
        case .interrupted: "EINTR"
        case .ioError: "EIO"
        case .badFileDescriptor: "EBADF"
        case .resourceTemporarilyUnavailable: "EAGAIN"
        case .noMemory: "ENOMEM"
        case .permissionDenied: "EACCES"
        case .badAddress: "EFAULT"
        case .resourceBusy: "EBUSY"
        case .fileExists: "EEXIST"
        case .operationNotSupportedByDevice: "ENODEV"
        case .invalidArgument: "EINVAL"
        case .tooManyOpenFiles: "EMFILE"
        case .fileTooLarge: "EFBIG"
        case .noSpace: "ENOSPC"
        case .diskQuotaExceeded: "EDQUOT"
        case .illegalSeek: "ESPIPE"
        case .readOnlyFileSystem: "EROFS"
        case .notSupported: "EOPNOTSUPP"
        case .outOfRange: "ERANGE"
        case .overflow: "EOVERFLOW"
        case .noData: "ENODATA"
        default: "E\(rawValue)"
        }
    }
}
