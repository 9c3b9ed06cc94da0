import Foundation
import TestSupport

/// Many keep-alive connections open at once, each sending one request after another as soon as
/// the previous answer is in, all driven from one thread by poll(2). Unlike a thread per
/// connection, this keeps every connection busy at the same time on a two-core machine.
struct KeepAliveLoad: Sendable {
    var connections: Int
    var requestsEach: Int
    var request: String

    struct Outcome {
        var answered = 0
        /// The first few wrong answers or broken connections, described.
        var failures: [String] = []
    }

    /// Runs the load against `port` on a thread of its own (it blocks in poll(2) for as long as
    /// it runs); `isCorrect` judges each answer. It gives up only when no answer at all has come
    /// for `stall`: a hang ends it, a slow run on a loaded machine does not.
    func run(port: Int, stall: Duration = .seconds(30), isCorrect: @escaping @Sendable (HTTPReply) -> Bool)
        async throws -> Outcome
    {
        try await offThePool { try runBlocking(port: port, stall: stall, isCorrect: isCorrect) }
    }

    private func runBlocking(port: Int, stall: Duration, isCorrect: (HTTPReply) -> Bool) throws -> Outcome {
        var lastAnswer = ContinuousClock.now
        let open = try (0..<connections).map { _ in try RawConnection(port: port) }
        var remaining = [Int](repeating: requestsEach, count: connections)
        var outcome = Outcome()
        for connection in open { try connection.send(request) }

        while remaining.contains(where: { $0 > 0 }) {
            guard ContinuousClock.now - lastAnswer < stall else {
                outcome.failures.append(
                    "no answer for \(stall) with \(remaining.reduce(0, +)) requests unanswered")
                break
            }
            let busy = remaining.indices.filter { remaining[$0] > 0 }
            var entries = busy.map { pollfd(fd: open[$0].descriptor, events: Int16(POLLIN), revents: 0) }
            guard poll(&entries, nfds_t(entries.count), 1000) >= 0 else { continue }
            for (entry, index) in zip(entries, busy) where entry.revents != 0 {
                do {
                    guard let reply = try open[index].replyIfArrived() else { continue }
                    outcome.answered += 1
                    lastAnswer = ContinuousClock.now
                    remaining[index] -= 1
                    if !isCorrect(reply) {
                        outcome.record("connection \(index): \(reply.status) \(reply.text)")
                    }
                    if remaining[index] > 0 { try open[index].send(request) }
                } catch {
                    outcome.record(
                        "connection \(index) after \(requestsEach - remaining[index]) answers: \(error)")
                    remaining[index] = 0
                }
            }
        }
        return outcome
    }
}

extension KeepAliveLoad.Outcome {
    fileprivate mutating func record(_ failure: String) {
        if failures.count < 10 { failures.append(failure) }
    }
}
