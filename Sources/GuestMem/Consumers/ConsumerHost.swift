/// A file consumers attach to, as the store and `Consumer` see it. Each kind of file keeps a
/// `ConsumerTable` in its locked state and implements these under its own lock.
protocol ConsumerHost: AnyObject, Sendable {
    var id: FileID { get }
    /// The page a consumer's range and a pin must be whole multiples of.
    var allocationUnit: Int64 { get }

    /// Attaches `consumer` (ConsumerTable.attach); notFound once the file is deleted.
    func attach(_ consumer: Consumer) throws(GuestMemError)
    /// Detaches `consumer`; false when it was not attached.
    func detach(_ consumer: Consumer, charge: inout Charge) -> Bool
    /// The consumers attached now, oldest first; notFound once the file is deleted.
    func attachedConsumers() throws(GuestMemError) -> [Consumer]
    /// The most pinning `range` with allocation could allocate.
    func worstCase(_ range: ByteRange) -> Int64
    /// get_lock_pfn: pins `range` for `consumer`, allocating holes first when asked.
    func pin(
        _ range: ByteRange, for consumer: Consumer, allocate: Bool, within reservation: Reservation,
        host: HostMemory, charge: inout Charge
    ) throws(GuestMemError) -> PinSnapshot
    /// put_unlock_pfn.
    func unpin(_ id: PinID, of consumer: Consumer, charge: inout Charge) throws(GuestMemError)
    /// The dirty log, cleared in the same hold with `clear`.
    func dirtyLog(clear: Bool) throws(GuestMemError) -> DirtyLog
}
