/// A consumer as it was at one instant: a value, never the locked object behind it.
package struct ConsumerSnapshot: Hashable, Sendable {
    package let id: ConsumerID
    package let fileID: FileID
    package let kind: ConsumerKind
    package let label: String?
    /// The bytes it hears about; `isOpenEnded` when it was attached without a length, so that it
    /// follows the file's size (its length is then `Int64.max - offset`).
    package let range: ByteRange
    package let isOpenEnded: Bool
    package let isExclusive: Bool
    /// A kvm consumer's memslot; nil for every other consumer.
    package let binding: KVMBinding?
    package let attachedAt: Timestamp
    /// nil while attached.
    package let detachedAt: Timestamp?
    /// The seq of its newest event, 0 before the first.
    package let lastSeq: UInt64
    /// How many pins it holds now.
    package let livePins: Int
    /// How many readers wait for its next event now (long-polls and event streams).
    package let waitingReaders: Int
    /// A process consumer's descriptors: their access, and how many were handed out.
    package let access: DescriptorAccess?
    package let descriptorsHandedOut: Int
}

/// What a caller asks for when attaching a consumer.
package struct ConsumerRequest: Hashable, Sendable {
    package var kind: ConsumerKind
    package var label: String?
    /// Where its range starts; default 0.
    package var offset: Int64
    /// nil: to the end of the file, whatever its size becomes.
    package var length: Int64?
    package var isExclusive: Bool
    /// For a kvm consumer: the VM and guest physical address to bind its range at, as a memslot.
    package var binding: KVMBindingRequest?
    /// For a process consumer: the access of the descriptors it receives.
    package var access: DescriptorAccess

    package init(
        kind: ConsumerKind, label: String? = nil, offset: Int64 = 0, length: Int64? = nil,
        isExclusive: Bool = false, binding: KVMBindingRequest? = nil, access: DescriptorAccess = .readWrite
    ) {
        self.access = access
        self.kind = kind
        self.label = label
        self.offset = offset
        self.length = length
        self.isExclusive = isExclusive
        self.binding = binding
    }
}
