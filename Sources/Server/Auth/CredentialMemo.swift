/// What one connection's request proved with its Authorization header, kept on the connection
/// (`ConnectionMemo`): a later request on it that sends the same bytes is the same caller, without
/// a digest, for as long as the tenant directory's `credentialEpoch` is still `epoch`. Removing a
/// tenant moves the epoch before its answer goes out, so a removed tenant's token is refused on
/// the very next request of a connection that used it, as on any other.
final class CredentialMemo: Sendable {
    private let header: [UInt8]
    let caller: Caller
    let epoch: UInt64

    init(header: String, caller: Caller, epoch: UInt64) {
        (self.header, self.caller, self.epoch) = (Array(header.utf8), caller, epoch)
    }

    /// Whether `header` is the one kept, byte for byte. The kept bytes hold a secret, so they are
    /// compared in constant time, as digests are.
    func matches(_ header: String) -> Bool { Secret.bytesMatch(self.header, header) }
}
