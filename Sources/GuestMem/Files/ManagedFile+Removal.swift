import SystemPackage

extension ManagedFile {
    /// Takes the backing out, so every later call answers notFound, and books the file's pages
    /// as freed. The caller closes the backing outside every lock: that last close frees the
    /// pages, 120–180 ms per GiB (kernel-semantics.md §2), unless a memslot's mapping still holds
    /// them. Every pin is revoked and every consumer detached first; `detached` gets those
    /// consumers. An exported file follows `punchForDelete`'s rule first.
    func remove(
        expecting versions: Set<UInt64>?, force: Bool = false, charge: inout Charge,
        detached: inout [Consumer]
    ) throws(GuestMemError) -> FileBacking {
        try operation.withLock { (slot) throws(GuestMemError) -> FileBacking in
            guard var backing = slot.take() else { throw .notFound("no file \(id)") }
            do throws(GuestMemError) {
                detached = try remove(versions, force, &backing, &charge)
                return backing
            } catch {
                slot = consume backing
                throw error
            }
        }
    }

    private func remove(
        _ versions: Set<UInt64>?, _ force: Bool, _ backing: inout FileBacking, _ charge: inout Charge
    ) throws(GuestMemError) -> [Consumer] {
        try requireVersion(versions)
        try punchForDelete(force: force, &backing, &charge)
        let span = Self.span(from: 0, to: max(try backing.status().size, backing.allocatedEnd))
        return try withState { (state) throws(GuestMemError) -> [Consumer] in
            let detached = state.consumers.detachAll(
                invalidating: span, pinsAreLocked: !allocationIsLocked(state), charge: &charge)
            charge.allocatedBytes -= state.accountedBytes
            charge.lockedBytes -= allocationIsLocked(state) ? state.accountedBytes : 0
            charge.files -= 1
            state.accountedBytes = 0
            // From here no read uses the memfd's fd (a drifting file's reads use it under this
            // lock): it closes once the backing goes.
            state.isDeleted = true
            state.reader = nil
            return detached
        }
    }
}
