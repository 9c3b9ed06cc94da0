/// The producer's side of a `.stream` body: each write is a message to the connection's
/// loop, answered once the chunk has been written out (so a slow client slows the producer).
struct StreamWriter: ResponseWriter {
    let inbox: Inbox
    let id: ConnectionID

    func write(_ bytes: [UInt8]) async -> Bool {
        await withCheckedContinuation { continuation in
            inbox.post(.streamChunk(id, bytes, continuation))
        }
    }
}
