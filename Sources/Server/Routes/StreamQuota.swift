import GuestMem
import Locking
import Synchronization

/// How many long responses one tenant may have open at once (`--max-streams-per-tenant`):
/// event streams, long-polls and content downloads. A reader that never reads holds its
/// connection, a producer task, and up to megabytes of kernel socket buffer (the isolation issue
/// measured 3.8 MB per unread download: 200 of them took 752 MB nobody was charged for); past the
/// cap the tenant gets 403 `quota` (EDQUOT), as for its other limits.
final class StreamQuota: Sendable {
    let limit: Int
    private let open = PthreadMutex<[TenantID: Int]>([:])

    init(limit: Int) { self.limit = limit }

    /// A place for one more of `tenant`'s streams, held until the ticket is released or goes.
    func ticket(for tenant: TenantID) throws(Problem) -> StreamTicket {
        let taken = open.withLock { open in
            let count = open[tenant, default: 0]
            guard count < limit else { return false }
            open[tenant] = count + 1
            return true
        }
        guard taken else {
            throw Problem(
                .quota,
                detail: "tenant has \(limit) event streams, long-polls and downloads open, the most "
                    + "--max-streams-per-tenant allows; finish one first",
                errno: "EDQUOT")
        }
        return StreamTicket(self, tenant)
    }

    /// `tenant`'s streams open now.
    func count(of tenant: TenantID) -> Int { open.withLock { $0[tenant, default: 0] } }

    fileprivate func give(_ tenant: TenantID) {
        open.withLock { open in
            let left = open[tenant, default: 1] - 1
            open[tenant] = left > 0 ? left : nil
        }
    }
}

/// One stream's place in its tenant's `StreamQuota`: given back by `release()` or, at the
/// latest, when the last reference goes, whichever comes first.
final class StreamTicket: Sendable {
    private let quota: StreamQuota
    private let tenant: TenantID
    private let isReleased = Atomic<Bool>(false)

    fileprivate init(_ quota: StreamQuota, _ tenant: TenantID) { (self.quota, self.tenant) = (quota, tenant) }

    @Sendable func release() {
        guard !isReleased.exchange(true, ordering: .relaxed) else { return }
        quota.give(tenant)
    }

    deinit { release() }
}
