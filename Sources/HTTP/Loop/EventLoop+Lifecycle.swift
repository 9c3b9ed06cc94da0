extension EventLoop {
    /// Checks every connection's deadline; runs every `sweepInterval`.
    func sweep() {
        nextSweep = now + sweepInterval
        resumeListener()
        for index in connections.indices {
            // SAFETY: `index` is in `connections.indices`, which expiring a connection does not
            // shrink (closing only writes nil).
            guard let connection = connections[index], connection.deadline != 0, connection.deadline <= now
            else {
                continue
            }
            connection.expire()
        }
    }

    /// Stops accepting; idle connections close now, busy ones after their response, and all
    /// that remain when the grace period ends.
    func beginStop() {
        guard !isStopping else { return }
        isStopping = true
        stopDeadline = now + configuration.shutdownGrace.nanoseconds
        if !isListenerPaused {
            for listener in listeners { try? epoll.remove(listener.fd) }
        }
        for index in connections.indices {
            connections[index]?.stopGracefully()
        }
    }

    /// Closes what is left and turns the inbox away; late offLoop answers are discarded there.
    func finish() {
        for index in connections.indices {
            if let connection = connections[index] { close(connection) }
        }
        for message in inbox.close() { message.discard() }
    }
}
