/// A removed tenant's files and VMs, out of the maps, to be closed.
struct RemovedObjects {
    let files: [ManagedFile]
    let vms: [HeldVM]

    /// Closes the files, then the VMs, whose memslots go with them. A file or VM a concurrent
    /// delete got to first is already gone: nothing to close for it. An exported file is punched
    /// whole first, whatever consumers it has (ManagedFile.punchForDelete).
    func close() {
        for file in files {
            var charge = Charge()
            var detached: [Consumer] = []
            guard
                let backing = try? file.remove(
                    expecting: nil, force: true, charge: &charge, detached: &detached)
            else { continue }
            backing.close()
        }
        for vm in vms {
            guard let removed = try? vm.remove(cascade: true) else { continue }
            removed.vm.close()
        }
    }
}

extension MemoryStore.Maps {
    /// Takes `entry`'s files and VMs out of the maps.
    mutating func remove(_ entry: MemoryStore.TenantEntry) -> RemovedObjects {
        RemovedObjects(
            files: entry.fileIDs.all.compactMap { files.removeValue(forKey: $0) },
            vms: entry.vmIDs.all.compactMap { vms.removeValue(forKey: $0) })
    }
}
