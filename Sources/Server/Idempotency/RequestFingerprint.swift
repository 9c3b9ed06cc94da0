import HTTP

extension Request {
    /// What tells this request from another sent with the same Idempotency-Key: the SHA-256 of
    /// its method, target and body (inflated, if it came gzip-coded), as hex. Bytes, not meaning:
    /// the same JSON spelt another way is another request.
    var fingerprint: String {
        // A method has no space and a target no line feed, so the parts cannot run into each other.
        Secret.sha256(Array("\(method.rawValue) \(target)\n".utf8) + body)
    }
}
