import Synchronization
import SystemPackage

/// How many fds the domain may hold at once: memfds, guest_memfds, VM fds and the dups behind
/// downloads, all tenants together. A tenant that makes files until the process is out of fds
/// would leave gmemd unable to accept a connection, save the tenant registry or let the admin
/// delete that tenant (the isolation issue measured EMFILE at 19,982 files and an admin DELETE
/// answering 500), so the budget stops the domain short of RLIMIT_NOFILE, and it is checked
/// before the syscall that would make the fd.
///
/// Each fd holds a `DescriptorClaim` for as long as it is open; the claim gives its place back
/// when it goes, so the count is what is open, not what a caller remembered to release.
package final class DescriptorBudget: Sendable {
    /// Descriptors the domain may hold together.
    package let limit: Int
    private let held = Atomic<Int>(0)
    /// Refusals since start, for metrics.
    private let refusals = Atomic<Int>(0)
    /// Whether the last claim was refused: the operator hears once per episode, not per request.
    private let isExhausted = Atomic<Bool>(false)
    private let onExhausted: @Sendable (String) -> Void

    /// A budget of `limit` fds; `onExhausted` hears (once, until a claim succeeds again) when it
    /// runs out.
    package init(limit: Int, onExhausted: @escaping @Sendable (String) -> Void = { _ in }) {
        self.limit = limit
        self.onExhausted = onExhausted
    }

    /// No budget beyond the kernel's own RLIMIT_NOFILE: for tests and embedders that manage it.
    package static var unlimited: DescriptorBudget { DescriptorBudget(limit: .max) }

    /// Fds held now.
    package var heldCount: Int { held.load(ordering: .relaxed) }
    /// Claims refused since start.
    package var refusalCount: Int { refusals.load(ordering: .relaxed) }

    /// Takes a place for one fd about to be made for `purpose` (a memfd, a VM, a download), or
    /// refuses with EMFILE: it is the host (this process) that is out, not the tenant.
    func claim(for purpose: String) throws(GuestMemError) -> DescriptorClaim {
        // Counted first, checked after: two racing claims for the last place cannot both get it.
        if held.add(1, ordering: .relaxed).newValue <= limit {
            isExhausted.store(false, ordering: .relaxed)
            return DescriptorClaim(self)
        }
        held.subtract(1, ordering: .relaxed)
        refusals.add(1, ordering: .relaxed)
        let why =
            "host descriptors: all \(limit) that files, VMs and downloads may hold are open; "
            + "the rest of RLIMIT_NOFILE is kept for connections, state and the admin"
        if !isExhausted.exchange(true, ordering: .relaxed) { onExhausted(why) }
        throw .exhausted("\(purpose): \(why)", errno: .tooManyOpenFiles)
    }

    fileprivate func release() { held.subtract(1, ordering: .relaxed) }
}

/// One fd's place in a `DescriptorBudget`, given back when the last reference goes: kept in the
/// value that owns the fd, so the place and the fd end together.
final class DescriptorClaim: Sendable {
    private let budget: DescriptorBudget
    fileprivate init(_ budget: DescriptorBudget) { self.budget = budget }
    deinit { budget.release() }
}
