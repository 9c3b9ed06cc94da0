import Glibc
import SystemPackage

extension EventLoop {
    /// Most connections taken per wakeup, so that a burst spreads over the loops (the listener
    /// is EPOLLEXCLUSIVE: the other loops are woken for what is left).
    static let acceptBatch = 8

    func acceptConnections(from listener: ListeningSocket) {
        // A listener event can come in the same wakeup as the shutdown that stopped listening:
        // what is still in the backlog stays there (for the process that takes the listeners
        // over), rather than being accepted only to be dropped, which the client sees as a reset.
        guard !isStopping else { return }
        for _ in 0..<Self.acceptBatch {
            let result: AcceptResult
            do {
                result = try listener.accept()
            } catch .connectionAbort {
                continue
            } catch {
                // EMFILE, ENFILE, ENOBUFS: level-triggered, the listener would wake us again at
                // once. Stop listening until the next sweep.
                budget.noteRefusal("accept: \(error); no new connection until a descriptor is free")
                pauseListener()
                return
            }
            switch consume result {
            case .wouldBlock: return
            case .accepted(let socket): admit(socket)
            }
        }
    }

    private func admit(_ socket: consuming StreamSocket) {
        // Past the limit and the reserve, with no silent holder to evict: the socket is dropped,
        // so the client sees the connection close at once.
        guard !isStopping, let place = budget.acquire() ?? evictSilentReserved() else { return }
        socket.setNoDelay()
        nextSerial &+= 1
        let id = ConnectionID(fd: socket.fd, serial: nextSerial)
        do {
            try epoll.add(id.fd, .readable, tag: id.tag)
        } catch {
            budget.release(place)
            return
        }
        let index = Int(id.fd)
        if index >= connections.count {
            connections.append(contentsOf: repeatElement(nil, count: max(index + 1 - connections.count, 64)))
        }
        let connection = Connection(id: id, socket: socket, loop: self, place: place)
        connections[index] = connection
        connectionCount += 1
        if place == .reserved { reservedIDs.append(id) }
        // A new connection owes its first head within the header timeout, not the idle one: a
        // client that connects and says nothing holds a place like one that stalls in a head
        // (10,000 silent connections would otherwise fill --max-connections for a minute). The
        // same covers a TLS handshake.
        connection.deadline = now + headerNanoseconds
    }

    /// Every place is taken, the reserved ones too: closes this loop's oldest connection in a
    /// reserved place that has not sent a whole head (a silent client, or an idle one between
    /// requests), and takes a place again. Silent clients then cannot keep the admin out for a
    /// header timeout at a time: they have to keep connecting, while the admin, who sends its head
    /// at once, needs its place only for that moment. Only this loop's connections are looked
    /// at: the others belong to other threads.
    private func evictSilentReserved() -> ConnectionBudget.Place? {
        guard let silent = reservedIDs.lazy.compactMap({ self.connection($0) }).first(where: \.isSilent)
        else {
            return nil
        }
        close(silent)
        return budget.acquire()
    }

    private func pauseListener() {
        guard !isListenerPaused else { return }
        isListenerPaused = true
        for listener in listeners { try? epoll.remove(listener.fd) }
    }

    func resumeListener() {
        guard isListenerPaused, !isStopping else { return }
        isListenerPaused = false
        for (index, listener) in listeners.enumerated() {
            try? epoll.add(listener.fd, [.readable, .exclusive], tag: Self.listenerTag(index))
        }
    }
}
