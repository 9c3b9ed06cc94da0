import Foundation
import Locking
import TestSupport

/// One Server-Sent Events message as a client parses it (WHATWG HTML §9.2.6): the fields of one
/// block up to a blank line. A block of only a comment (`: keep-alive`) has `comment` set.
struct SSEMessage: Equatable, Sendable {
    var id: String?
    var event: String?
    var data: String?
    var retry: Int?
    var comment: String?

    /// The `data:` line decoded as the event it carries.
    func decoded() throws -> RemoteEvent {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(RemoteEvent.self, from: Data((data ?? "").utf8))
    }
}

/// Parses an event stream from bytes that arrive in pieces, whichever client reads them, and
/// hands the messages out in order to a test that awaits them with an upper bound.
final class EventStreamReader: Sendable {
    private struct State {
        var pending: [UInt8] = []
        var messages: [SSEMessage] = []
        var isEnded = false
        var waiter: OneShot<Void>?
    }

    private let state = PthreadMutex(State())

    /// Bytes the client received.
    func feed(_ bytes: some Sequence<UInt8>) {
        let waiter = state.withLock { state in
            state.pending += bytes
            while let end = Self.blockEnd(in: state.pending) {
                let block = String(decoding: state.pending[..<end], as: UTF8.self)
                state.pending.removeFirst(end + 2)
                state.messages.append(Self.message(block))
            }
            return state.waiter.take()
        }
        waiter?.fulfil(.success(()))
    }

    /// The stream ended (the server closed it, or the client stopped).
    func end() {
        let waiter = state.withLock { state in
            state.isEnded = true
            return state.waiter.take()
        }
        waiter?.fulfil(.success(()))
    }

    /// The next message; nil once the stream has ended and every message was taken. Throws
    /// `timedOut` when none comes within `limit`.
    func next(within limit: Duration = .seconds(20)) async throws -> SSEMessage? {
        let deadline = ContinuousClock.now + limit
        while true {
            let signal = OneShot<Void>()
            let (message, isEnded) = state.withLock { state -> (SSEMessage?, Bool) in
                if !state.messages.isEmpty { return (state.messages.removeFirst(), false) }
                if !state.isEnded { state.waiter = signal }
                return (nil, state.isEnded)
            }
            if let message { return message }
            if isEnded { return nil }
            try await signal.value(within: deadline - ContinuousClock.now, "an event stream message")
        }
    }

    /// The next message that is an event (not a comment or a retry), skipping keep-alives.
    func nextEvent(within limit: Duration = .seconds(20)) async throws -> SSEMessage? {
        while let message = try await next(within: limit) {
            if message.event != nil || message.data != nil { return message }
        }
        return nil
    }

    /// Every message until the stream ends.
    func rest(within limit: Duration = .seconds(20)) async throws -> [SSEMessage] {
        var messages: [SSEMessage] = []
        while let message = try await next(within: limit) { messages.append(message) }
        return messages
    }

    /// Where the first blank line ends a block: the index of "\n\n". gmemd ends lines with LF.
    private static func blockEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        return (0..<(bytes.count - 1)).first { bytes[$0] == 0x0A && bytes[$0 + 1] == 0x0A }
    }

    private static func message(_ block: String) -> SSEMessage {
        var message = SSEMessage()
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                message.comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                continue
            }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? String(parts[1].drop { $0 == " " }) : ""
            switch parts[0] {
            case "id": message.id = value
            case "event": message.event = value
            case "data": message.data = (message.data.map { $0 + "\n" } ?? "") + value
            case "retry": message.retry = Int(value)
            default: break
            }
        }
        return message
    }
}
