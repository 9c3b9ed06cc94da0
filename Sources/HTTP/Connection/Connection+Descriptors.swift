import SystemPackage

/// Descriptors a client sends (SCM_RIGHTS, Unix connections only) and which request gets them.
///
/// unix(7) attaches descriptors to the first byte of the sendmsg that carried them, and a recvmsg
/// that returns them stops at the end of that message's bytes: so the last byte of such a read
/// belongs to the sender's message. The request holding that byte gets the descriptors — the
/// request the client sent with them, when it sends one request per message, as clients of
/// such APIs do (Cloud Hypervisor's). At most `PassedDescriptors.maxPerRequest` go to one
/// request; more are closed. A request whose handler takes none closes them when it is let go,
/// a closing connection closes those no request got.
struct DescriptorArrival {
    /// Position of the last byte read with them, counted from the connection's first byte.
    let lastByte: Int
    let descriptors: PassedDescriptors
}

extension Connection {
    /// A read on a Unix connection: bytes, and the descriptors that came with them.
    func readCarryingDescriptors() throws(Errno) -> ReadResult {
        var fds: [Int32] = []
        let result = try socket.read(
            into: loop.readBuffer, descriptors: &fds, limit: PassedDescriptors.maxPerRequest)
        guard !fds.isEmpty else { return result }
        let descriptors = PassedDescriptors(fds)
        // A read of no bytes brings none (a stream message always has some); closed if it did.
        if case .bytes(let count) = result {
            arrivals.append(DescriptorArrival(lastByte: receivedBytes + count - 1, descriptors: descriptors))
        }
        return result
    }

    /// Gives the request that ends before byte `end` every descriptor that arrived with its bytes.
    func descriptors(forRequestEndingAt end: Int) -> PassedDescriptors? {
        guard let first = arrivals.first, first.lastByte < end else { return nil }
        var fds: [Int32] = []
        while let arrival = arrivals.first, arrival.lastByte < end {
            arrivals.removeFirst()
            for fd in arrival.descriptors.take() {
                if fds.count < PassedDescriptors.maxPerRequest {
                    fds.append(fd)
                } else {
                    PassedDescriptors([fd]).close()
                }
            }
        }
        return PassedDescriptors(fds)
    }
}
