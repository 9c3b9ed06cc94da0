/// The subsystem a consumer stands for. The service treats every kind alike; the kind tells the
/// file's owner who holds its pages (design.md §2, "Consumers, events, pins").
package enum ConsumerKind: CaseIterable, Hashable, Sendable {
    case kvm, vfio, iommu, rdma, generic
    /// A process outside gmemd that holds the file's descriptor (MemoryStore+Export).
    case process
}
