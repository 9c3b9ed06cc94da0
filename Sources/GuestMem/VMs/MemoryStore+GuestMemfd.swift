extension MemoryStore {
    /// Creates a guest_memfd of `size` bytes on VM `vmID` (KVM_CREATE_GUEST_MEMFD), counted
    /// against the tenant's `maxFiles`. The kernel judges size and flags and its refusal comes
    /// back unchanged (EINVAL for a size that is not a positive multiple of the page or for a
    /// flag it does not know, kernel-semantics.md C1, C6). Where guest_memfd, or a flag asked
    /// for, is not served, refused with the reason before any syscall; another tenant's VM is an
    /// unknownReference.
    package func createGuestMemfdFile(
        for tenantID: TenantID, name: String, size: Int64, vm vmID: VMID, flags: GuestMemfdFlags
    ) throws(GuestMemError) -> FileSnapshot {
        try features.require(flags)
        let tenant = try tenant(tenantID)
        let held = try referencedVM(vmID, of: tenantID)
        guard !name.utf8.contains(0) else {
            throw .invalid("name contains a NUL byte", errno: .invalidArgument)
        }
        try tenant.reserveFile()
        var charge = Charge()
        defer { tenant.settle(charge, releasingFile: true) }
        let id = FileID.random()
        let file = ManagedFile(
            id: id, tenant: tenantID, vm: vmID, name: name,
            file: try held.createGuestMemfd(
                id, size: size, flags: flags, claim: try descriptors.claim(for: "KVM_CREATE_GUEST_MEMFD")),
            whileAllocating: whileAllocating)
        let snapshot = try publish(file, of: tenantID, &charge)
        // A cascading delete of the VM that ran since the file was made could not see it in the
        // maps: the file goes with its VM.
        guard held.holds(id) else {
            try? deleteFile(id, of: tenantID)
            throw .unknownReference("no vm \(vmID)")
        }
        return snapshot
    }
}
