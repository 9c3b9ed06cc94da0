import SystemPackage

extension MemoryFile {
    /// Takes the memfd out, so every later call answers notFound, and books the file's pages as
    /// freed. The caller closes the memfd outside every lock: that last close frees the pages,
    /// 120–180 ms per GiB (kernel-semantics.md §2). Every pin is revoked and every consumer
    /// detached first, in the same hold; `detached` gets those consumers.
    /// An exported file follows `punchForDelete`'s rule first.
    func remove(
        expecting versions: Set<UInt64>?, force: Bool = false, charge: inout Charge,
        detached: inout [Consumer]
    )
        throws(GuestMemError) -> Memfd
    {
        try state.withLock { (state) throws(GuestMemError) -> Memfd in
            guard !state.isDeleted else { throw .notFound("no file \(id)") }
            try Self.requireVersion(versions, state)
            try punchForDelete(force: force, &state, &charge)
            let size = try self.size(state)
            detached = state.consumers.detachAll(
                invalidating: Self.shrinkSpan(to: 0, from: size, state), pinsAreLocked: !state.isInaccessible,
                charge: &charge)
            guard let memfd = state.memfd.take() else { throw .notFound("no file \(id)") }
            charge.allocatedBytes -= state.accountedBytes
            charge.lockedBytes -= state.isInaccessible ? state.accountedBytes : 0
            charge.files -= 1
            state.accountedBytes = 0
            return memfd
        }
    }
}
