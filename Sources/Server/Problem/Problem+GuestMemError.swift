import GuestMem
import Posix

/// design.md §3 as code: how each kind of domain refusal is answered. A new case must choose
/// its status here; no handler picks one.
extension Problem {
    init(_ error: GuestMemError) {
        switch error {
        case .notFound(let what): self = .notFound(what)
        case .invalid(let why, let errno): self.init(.unprocessableContent, detail: why, errno: errno.symbol)
        case .refused(let why, let errno): self.init(.conflict, detail: why, errno: errno.symbol)
        case .exhausted(let why, let errno): self.init(.insufficientStorage, detail: why, errno: errno.symbol)
        case .preconditionFailed(let why): self.init(.preconditionFailed, detail: why)
        case .gone(let why): self.init(.gone, detail: why)
        }
    }
}
