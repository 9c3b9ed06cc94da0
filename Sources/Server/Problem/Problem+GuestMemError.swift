import GuestMem
import Posix
import SystemPackage

/// design.md §3 as code: which kind of refusal each domain refusal is. A new case must choose
/// its kind here; no handler picks one.
extension Problem {
    init(_ error: GuestMemError) {
        switch error {
        case .notFound(let what): self = .notFound(what)
        case .invalid(let why, let errno): self.init(.invalid, detail: why, errno: errno.symbol)
        case .unknownReference(let what): self = .unknownReference(what)
        case .unsupported(let why, let errno): self.init(.hostUnsupported, detail: why, errno: errno.symbol)
        case .refused(let why, let errno):
            self.init(Self.kind(refusedWith: errno), detail: why, errno: errno.symbol)
        case .quotaExceeded(let why): self.init(.quota, detail: why, errno: error.errno?.symbol)
        case .exhausted(let why, let errno): self.init(.hostExhausted, detail: why, errno: errno.symbol)
        case .preconditionFailed(let why): self.init(.precondition, detail: why)
        case .gone(let why): self.init(.gone, detail: why)
        case .unsaved(let why): self.init(.internalError, detail: why)
        }
    }

    /// A refusal by state, by what refused it: a seal (EPERM), a holder (EBUSY), or another
    /// state of things (EEXIST, a hole, a detached consumer).
    private static func kind(refusedWith errno: Errno) -> ProblemKind {
        switch errno {
        case .notPermitted: .seal
        case .resourceBusy: .busy
        default: .conflict
        }
    }
}
