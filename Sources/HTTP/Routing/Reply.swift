/// Where a worker's job sends its answer, from any thread: before the job returns, or later,
/// once what the answer must wait for is done (the file journal's flush, in gmemd), so that the
/// worker takes the next job meanwhile. Send exactly once: a reply never sent leaves its
/// connection waiting until the client gives up.
package struct Reply: Sendable {
    private let inbox: Inbox
    private let id: ConnectionID

    init(inbox: Inbox, id: ConnectionID) { (self.inbox, self.id) = (inbox, id) }

    /// Hands `response` to the connection's loop, which sends it (or drops it when the client has
    /// left or the loop has stopped).
    package func send(_ response: Response) { inbox.post(.response(id, response)) }
}
