/// A VM as it was at one instant: a value, never the locked object behind it.
package struct VMSnapshot: Hashable, Sendable {
    package let id: VMID
    package let name: String?
    package let createdAt: Timestamp
    /// The guest_memfd files created on it, by id.
    package let files: [FileID]
    /// Its live memslots, by ascending slot id, each with the kvm consumer that bound it.
    package let memslots: [BoundMemslot]
    /// KVM_CAP_NR_MEMSLOTS: slot ids run from 0 below this.
    package let maxMemslots: Int

    /// A memslot and the kvm consumer, on a file, that bound it.
    package struct BoundMemslot: Hashable, Sendable {
        package let memslot: Memslot
        package let consumer: ConsumerID
        package let file: FileID
    }
}
