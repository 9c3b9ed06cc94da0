package import SystemPackage

/// Where a MemoryStore keeps its memfd files' records before a change answers (Server's
/// STATE_DIR/files, and the service manager's fd store). Each call either made its record durable
/// or throws `.unsaved`. Calls for one file never overlap, and come in the order of its changes.
package protocol FileJournal: Sendable {
    /// A new file (created or adopted): `descriptor` is its memfd, gmemd's own, to be kept
    /// outside gmemd (duplicated) before the record is written; the caller keeps it open.
    func kept(_ record: FileRecord, descriptor: FileDescriptor) throws(GuestMemError)

    /// A file changed: its record as it is now replaces the one before.
    func changed(_ record: FileRecord) throws(GuestMemError)

    /// A file was deleted: its record goes first, then whatever holds its descriptor outside.
    func removed(_ id: FileID)
}
