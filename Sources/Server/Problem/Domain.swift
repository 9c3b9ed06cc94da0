import GuestMem

/// Runs one GuestMem call and turns its refusal into the problem the design maps it to.
func domain<T>(_ body: () throws(GuestMemError) -> T) throws(Problem) -> T {
    do {
        return try body()
    } catch {
        throw Problem(error)
    }
}
