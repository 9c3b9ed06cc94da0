extension Connection {
    /// The fd is writable again: write what is queued, then carry on with what waited for it.
    func writable() {
        finishBatch()
        if !isClosed, output.isEmpty, isReading, !pendingInput.isEmpty {
            parsePendingInput()
            finishBatch()
        }
    }

    /// Ends every burst of work: writes what is queued, then sets interest and deadline for
    /// what the connection waits for next.
    func finishBatch() {
        if !output.isEmpty {
            do {
                _ = try output.flush(to: socket)
            } catch {
                return loop.close(self)
            }
        }
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

    private func beginLingering() {
        socket.shutdownWrite()
        state = .lingering
        deadline = loop.now + min(Self.lingerNanoseconds, loop.configuration.idleTimeout.nanoseconds)
    }

    private func updateInterest() {
        if !output.isEmpty { return loop.setInterest(self, .writable) }
        switch state {
        case .reading, .lingering: loop.setInterest(self, .readable)
        // Left as is: readable() disarms reading if the client sends while we are busy.
        case .awaitingResponse, .streaming, .closing: break
        }
    }

    private func updateDeadline() {
        let timeouts = loop.configuration
        // A client that does not read what we write is cut off like an idle one.
        if !output.isEmpty { return deadline = loop.now + timeouts.idleTimeout.nanoseconds }
        switch state {
        case .reading:
            switch parser.phase {
            case .idle:
                isHeadDeadlineSet = false
                deadline = loop.now + timeouts.idleTimeout.nanoseconds
            case .head:
                guard !isHeadDeadlineSet else { return }
                isHeadDeadlineSet = true
                deadline = loop.now + timeouts.headerTimeout.nanoseconds
            case .body:
                deadline = loop.now + timeouts.bodyTimeout.nanoseconds
            }
        case .awaitingResponse, .streaming: deadline = 0
        case .closing, .lingering: break
        }
    }
}
