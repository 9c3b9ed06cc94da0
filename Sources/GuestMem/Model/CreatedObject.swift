/// An object a creating request made, as its idempotency receipt names it: a receipt counts only
/// while its object exists (MemoryStore.holds), and a restart keeps it only with a journaled one.
package enum CreatedObject: Hashable, Sendable {
    case file(FileID)
    case consumer(ConsumerID)
    case pin(PinID, of: ConsumerID)
    case vm(VMID)
}
