package import SystemPackage

/// A private fd on a file's content, for sendfile(2) without copying: a dup of the file's
/// memfd, so it stays valid even if the file is deleted meanwhile. Not copyable: close it once.
package struct ContentHandle: ~Copyable {
    /// Close-on-exec, read-write (it shares the memfd's open file description). Only read it.
    package let fd: FileDescriptor
    /// The file's size when the handle was opened.
    package let size: Int64
    /// Its place in the descriptor budget, given back as the fd closes.
    private let claim: DescriptorClaim
    /// False once `takeFileDescriptor()` handed the fd over.
    private var ownsDescriptor = true

    init(fd: FileDescriptor, size: Int64, claim: DescriptorClaim) {
        self.fd = fd
        self.size = size
        self.claim = claim
    }

    /// Closes the fd. If the file was deleted meanwhile, this may be its last close, which
    /// frees its pages (120–180 ms per GiB, kernel-semantics.md §2): call it off the loops.
    /// The work is deinit's: `discard self` is not allowed for a type holding a class reference.
    package consuming func close() {}

    /// Hands the fd over: from now on the caller owns it and closes it exactly once, for
    /// example from a sendfile(2) completion on another thread, where a noncopyable value
    /// cannot be captured. The same warning as for `close()` applies to that close. The fd's
    /// place in the descriptor budget is given back now.
    package consuming func takeFileDescriptor() -> FileDescriptor {
        ownsDescriptor = false
        return fd
    }

    deinit {
        // Linux has closed the fd even when close(2) reports EINTR or EIO.
        if ownsDescriptor { try? fd.close() }
    }
}
