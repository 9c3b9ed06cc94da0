/// A file of either backend, as the store's maps hold it.
enum StoredFile {
    case memfd(MemoryFile)
    case guestMemfd(GuestMemoryFile)

    var id: FileID {
        switch self {
        case .memfd(let file): file.id
        case .guestMemfd(let file): file.id
        }
    }

    func snapshot() throws(GuestMemError) -> FileSnapshot {
        switch self {
        case .memfd(let file): try file.snapshot()
        case .guestMemfd(let file): try file.snapshot()
        }
    }
}

extension MemoryStore.Maps {
    /// The file `id`, whichever its backend.
    func file(_ id: FileID) -> StoredFile? {
        if let file = files[id] { return .memfd(file) }
        return guestFiles[id].map(StoredFile.guestMemfd)
    }
}
