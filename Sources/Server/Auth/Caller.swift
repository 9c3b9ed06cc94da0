import GuestMem

/// Who sent a request, as its bearer token proved.
enum Caller: Sendable {
    case admin
    case tenant(TenantID)
}
