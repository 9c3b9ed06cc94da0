package import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Runs one system call: retries EINTR, turns -1 into the errno it left. Not for close(2),
/// whose EINTR must not be retried on Linux (the fd is gone either way).
///
/// This is the only gmemd code that reads `errno`. EBADF and EFAULT stop the process: they
/// mean gmemd passed a closed fd or a bad pointer, a bug no caller can recover from.
package func syscall<R: FixedWidthInteger>(
    _ name: StaticString, _ call: () -> R
) throws(Errno) -> R {
    while true {
        let result = call()
        if result != -1 { return result }
        switch Errno(rawValue: errno) {
        case .interrupted: continue
        case .badFileDescriptor, .badAddress:
            preconditionFailure("\(name): EBADF/EFAULT is a gmemd bug")
        case let error: throw error
        }
    }
}
