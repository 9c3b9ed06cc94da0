/// Names one connection of one loop across threads. The serial tells a connection from a later
/// one that reuses its fd, so a late message or a stale epoll event cannot reach the wrong one.
struct ConnectionID: Hashable, Sendable {
    let fd: Int32
    let serial: UInt32

    /// The epoll tag: serial in the high half, fd in the low half.
    var tag: UInt64 { UInt64(serial) << 32 | UInt64(UInt32(bitPattern: fd)) }

    init(fd: Int32, serial: UInt32) { (self.fd, self.serial) = (fd, serial) }
    init(tag: UInt64) {
        fd = Int32(bitPattern: UInt32(truncatingIfNeeded: tag))
        serial = UInt32(truncatingIfNeeded: tag >> 32)
    }
}

/// What another thread can ask of a loop.
enum LoopMessage: Sendable {
    /// An offLoop handler's answer for the connection's request in flight.
    case response(ConnectionID, Response)
    /// A stream producer's chunk; resumed with true once written out, false if the client left.
    case streamChunk(ConnectionID, [UInt8], CheckedContinuation<Bool, Never>)
    /// A stream producer returned.
    case streamEnd(ConnectionID)
    case shutdown
    /// `shutdown` for a process that takes the listeners over: a connection that has sent no
    /// byte yet, or only part of a head, is served rather than closed (HTTPServer.handOver).
    case handOver
    /// Wakes the loop, which then marks its turn (HTTPServer.loopsAnswered).
    case probe

    /// Lets go of what the message holds when nobody will carry it out: a file region is
    /// released (exactly once, as `FileRegion` promises) and a waiting producer learns the
    /// client is gone.
    func discard() {
        switch self {
        case .response(_, let response): response.body.release()
        case .streamChunk(_, _, let continuation): continuation.resume(returning: false)
        case .streamEnd, .shutdown, .handOver, .probe: break
        }
    }
}

extension ResponseBody {
    /// Releases a file body that will not be sent.
    func release() {
        if case .file(let region) = self { region.release() }
    }
}
