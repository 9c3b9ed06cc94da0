/// Where a TenantDirectory writes its records before a change takes effect (Server's
/// tenants.json). `save` gets every record, sorted by id, and either keeps them all or throws
/// `.unsaved`: a directory whose journal refused a change has not made it.
package protocol TenantJournal: Sendable {
    func save(_ records: [TenantRecord]) throws(GuestMemError)
}
