extension Connection {
    /// The fd is writable again: write what is queued, then carry on with what waited for it.
    func writable() {
        if case .handshaking = state { return continueHandshake() }
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
