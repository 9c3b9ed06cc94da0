import GuestMem

/// Who sent a request, as its bearer token proved.
enum Caller: Hashable, Sendable {
    case admin
    case tenant(TenantID)
}
