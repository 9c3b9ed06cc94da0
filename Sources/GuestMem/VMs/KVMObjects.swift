/// A removed tenant's guest_memfd files and VMs, out of the maps, to be closed.
struct KVMObjects {
    let files: [GuestMemoryFile]
    let vms: [HeldVM]

    /// Closes the files, then the VMs, whose memslots go with them. A file or VM a concurrent
    /// delete got to first is already gone: nothing to close for it.
    func close() {
        for file in files {
            var charge = Charge()
            var detached: [Consumer] = []
            guard let memfd = try? file.remove(expecting: nil, charge: &charge, detached: &detached)
            else { continue }
            memfd.close()
        }
        for vm in vms {
            guard let removed = try? vm.remove(cascade: true) else { continue }
            removed.vm.close()
        }
    }
}

extension MemoryStore.Maps {
    /// Takes `entry`'s guest_memfd files and VMs out of the maps.
    mutating func remove(_ entry: MemoryStore.TenantEntry) -> KVMObjects {
        KVMObjects(
            files: entry.fileIDs.all.compactMap { guestFiles.removeValue(forKey: $0) },
            vms: entry.vmIDs.all.compactMap { vms.removeValue(forKey: $0) })
    }
}
