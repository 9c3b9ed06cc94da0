extension Connection {
    /// The fd is writable again: write what is queued, then carry on with what waited for it.
    func writable() {
        if case .handshaking = state { return continueHandshake() }
        finishBatch()
    }

    /// Ends every burst of work: writes what is queued, resumes requests that waited behind
    /// it, then sets interest and deadline for what the connection waits for next.
    func finishBatch() {
        repeat {
            if !output.isEmpty {
                do {
                    _ = try output.flush(to: socket)
                } catch {
                    return loop.close(self)
                }
            }
        } while resumePipelinedRequests()
        if output.isEmpty {
            if let waiter = streamWaiter {
                streamWaiter = nil
                waiter.resume(returning: true)
            }
            // Shutting down, nobody waits for the peer's FIN: close now so `run()` can return.
            if case .closing = state { return loop.isStopping ? loop.close(self) : beginLingering() }
        }
        updateInterest()
        updateDeadline()
    }

    /// Parses requests that were read but paused behind `outputHighWater` bytes of output, now
    /// that it is written; true when that made progress, so there may be output to write again.
    /// Without this a write that drained at once left them unparsed, and as nothing more arrives
    /// from a client waiting for their answers, unanswered until the idle timeout.
    private func resumePipelinedRequests() -> Bool {
        guard output.isEmpty, isReading, !pendingInput.isEmpty else { return false }
        let before = pendingInput.count
        parsePendingInput()
        return pendingInput.count != before
    }

    private func beginLingering() {
        socket.shutdownWrite()
        state = .lingering
        deadline = loop.now + min(Self.lingerNanoseconds, loop.idleNanoseconds)
    }

    private func updateInterest() {
        if !output.isEmpty { return loop.setInterest(self, .writable) }
        switch state {
        case .reading, .lingering: loop.setInterest(self, .readable)
        // Left as is: readable() disarms reading if the client sends while we are busy; a
        // handshake sets its own.
        case .handshaking, .awaitingResponse, .streaming, .closing: break
        }
    }

    private func updateDeadline() {
        // A client that does not read what we write is cut off like an idle one.
        if !output.isEmpty { return deadline = loop.now + loop.idleNanoseconds }
        switch state {
        case .reading:
            switch parser.phase {
            case .idle:
                isHeadDeadlineSet = false
                deadline = loop.now + loop.idleNanoseconds
            case .head:
                guard !isHeadDeadlineSet else { return }
                isHeadDeadlineSet = true
                deadline = loop.now + loop.headerNanoseconds
            case .body:
                deadline = loop.now + loop.bodyNanoseconds
            }
        case .awaitingResponse, .streaming: deadline = 0
        // A handshake keeps the deadline it was accepted with.
        case .handshaking, .closing, .lingering: break
        }
    }
}
