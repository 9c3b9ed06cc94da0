import SystemPackage

/// Runs one kernel call and turns its errno into the service's answer: the seam between the
/// syscall layer's `Errno` and GuestMem's `GuestMemError` (style.md §4).
func kernel<R: ~Copyable>(_ call: String, _ body: () throws(Errno) -> R) throws(GuestMemError) -> R {
    do { return try body() } catch { throw .kernel(call, error) }
}
