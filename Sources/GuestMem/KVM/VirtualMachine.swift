import Posix
import SystemPackage

/// A KVM VM with no vCPUs: the owner of memslots. Not copyable; its memslots live as long as it
/// does, and closing it deletes them first.
///
/// A guest_memfd holds a reference on its VM, so the kernel keeps the VM alive after this fd is
/// closed until the last of its guest_memfds is closed (kernel-semantics.md L1–L3). The VM's
/// ioctls work only from the process that created it (L5).
package struct VirtualMachine: ~Copyable {
    let fd: FileDescriptor
    /// KVM_CAP_NR_MEMSLOTS: slot ids run from 0 below this.
    package let maxMemslots: Int
    /// The live memslots by id, each with the mapping its userspace_addr points into, if gmemd
    /// made one. A mapping is dropped, and so unmapped, only after its slot was deleted.
    var bindings: [UInt32: Binding] = [:]
    /// Its place in the descriptor budget, given back as the fd closes; nil outside a store.
    var claim: DescriptorClaim?

    struct Binding {
        let memslot: Memslot
        let mapping: SharedMapping?
    }

    /// Takes ownership of `fd`, a VM fd KVM_CREATE_VM returned and gmemd made close-on-exec.
    init(adopting fd: FileDescriptor, maxMemslots: Int) {
        self.fd = fd
        self.maxMemslots = maxMemslots
    }

    /// The live memslots, by ascending id.
    package var memslots: [Memslot] { bindings.values.map(\.memslot).sorted { $0.id < $1.id } }

    /// Deletes every memslot, unmaps what they pointed at and closes the VM fd, here rather than
    /// where the value goes out of scope. The work is deinit's: `discard self` is not allowed for
    /// a type holding a dictionary, so ending the value runs it.
    package consuming func close() {}

    deinit {
        for binding in bindings.values {
            // Deleting a slot gmemd bound is refused only for a gmemd bug; the fd is closed next
            // either way.
            try? Self.deleteMemslot(fd, binding.memslot)
        }
        try? fd.close()  // Linux has closed the fd even when close(2) reports EINTR or EIO
    }
}
