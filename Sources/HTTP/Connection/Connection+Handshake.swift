extension Connection {
    /// Takes a TLS handshake one step further; called whenever the socket is ready for what the
    /// handshake last wanted. It never blocks: a client that stalls mid-handshake just leaves
    /// this connection waiting (under the header timeout), and the loop serves the others.
    func continueHandshake() {
        switch socket.handshake() {
        case .done:
            state = .reading
            // The client's first request may be here already.
            readable()
            if !isClosed { finishBatch() }
        case .wantsRead: loop.setInterest(self, .readable)
        case .wantsWrite: loop.setInterest(self, .writable)
        case .plainHTTP:
            socket.refusePlainHTTP()
            loop.close(self)
        case .failed: loop.close(self)
        }
    }
}
