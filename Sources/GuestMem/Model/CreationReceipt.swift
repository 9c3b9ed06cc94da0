/// The answer to a request that created an object under an idempotency key, kept with that
/// object and saved in the same write that keeps it: a retry of the request, after a crash too,
/// gets this answer again instead of making a second object. GuestMem only keeps it; Server makes
/// it, reads it and decides how long it counts (its Idempotency-Key rules).
package struct CreationReceipt: Hashable, Sendable {
    /// The key as the client chose it.
    package let key: String
    /// What tells this request from another sent with the same key (method, target, body).
    package let fingerprint: String
    /// The answer as Server encoded it: opaque here.
    package let answer: [UInt8]
    package let createdAt: Timestamp

    package init(key: String, fingerprint: String, answer: [UInt8], createdAt: Timestamp) {
        (self.key, self.fingerprint, self.answer, self.createdAt) = (key, fingerprint, answer, createdAt)
    }
}
