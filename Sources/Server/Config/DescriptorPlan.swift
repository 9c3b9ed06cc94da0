import GuestMem

/// How RLIMIT_NOFILE is shared out: so many fds for tenants' files, VMs and downloads, so many
/// for connections, and the rest for gmemd's own (listeners, each loop's epoll and eventfd, the
/// KVM device, saving the tenant registry, the admin's requests). Files can then never take the
/// fds that accepting a connection or deleting the offending tenant needs.
struct DescriptorPlan: Equatable {
    /// Fds gmemd keeps for itself whatever the flags say.
    static let ownDescriptors = 64
    /// The most `--admin-connections`: they come out of `ownDescriptors`, which leaves the rest
    /// for the listeners, the loops, the KVM device and saving the registry.
    static let maxAdminConnections = 32

    /// Fds tenants' files, VMs and downloads may hold together.
    let held: Int
    /// Connections open at once: `--max-connections`, lowered to what the limit leaves.
    let connections: Int

    /// The plan for `openFileLimit` fds. `maxHeldFds` 0 leaves the domain what remains after
    /// `maxConnections` and gmemd's own, but never less than half the limit.
    init(openFileLimit: Int, maxConnections: Int, maxHeldFds: Int) {
        let room = max(openFileLimit - Self.ownDescriptors, 2)
        if maxHeldFds > 0 {
            held = min(maxHeldFds, room - 1)
        } else {
            let reserve = min(openFileLimit / 2, maxConnections + Self.ownDescriptors)
            held = max(openFileLimit - reserve, 1)
        }
        connections = max(1, min(maxConnections, room - held))
    }
}
