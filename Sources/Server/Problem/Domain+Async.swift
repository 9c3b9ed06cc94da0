import GuestMem

/// `domain(_:)` for a GuestMem call that waits (a consumer's events).
func asyncDomain<T>(_ body: () async throws(GuestMemError) -> T) async throws(Problem) -> T {
    do {
        return try await body()
    } catch {
        throw Problem(error)
    }
}
