/// Why a test harness could not drive a test to its assertions. Each case carries what a reader of
/// the failure needs: the server's log, the bytes seen, the command run.
package enum EndToEndError: Error, CustomStringConvertible {
    case binaryNotFound(String)
    case startFailed(String)
    case timedOut(String)
    case socket(String)
    case malformedResponse(String)
    case commandFailed(String)

    package var description: String {
        switch self {
        case .binaryNotFound(let why): "gmemd binary not found: \(why)"
        case .startFailed(let log): "gmemd did not start listening; its output:\n\(log)"
        case .timedOut(let what): "timed out: \(what)"
        case .socket(let what): "socket: \(what)"
        case .malformedResponse(let what): "malformed response: \(what)"
        case .commandFailed(let what): "command failed: \(what)"
        }
    }
}
