extension Optional where Wrapped: ~Copyable {
    /// Runs `body` on the wrapped value in place, or throws `absent` when there is none. For a
    /// noncopyable value that a deletion takes out (`take()`), so later calls find it gone.
    mutating func whilePresent<R: ~Copyable>(
        orThrow absent: GuestMemError, _ body: (inout Wrapped) throws(GuestMemError) -> sending R
    ) throws(GuestMemError) -> sending R {
        guard var value = take() else { throw absent }
        do {
            let result = try body(&value)
            self = consume value
            return result
        } catch {
            self = consume value
            throw error
        }
    }
}
