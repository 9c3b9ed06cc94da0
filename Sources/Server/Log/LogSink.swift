import HTTP
import Locking

#if canImport(Glibc)
    import Glibc
#endif

/// Where log lines go: stderr, through one buffer. A request line (info and below) waits in the
/// buffer for at most `flushInterval` or until `flushBytes` have gathered, so that 100k requests
/// a second cost a write(2) per few hundred lines rather than one each; a line at notice or above
/// goes out at once, with everything before it. The buffer is written under its lock, so lines
/// keep their order; the last lines are written at exit.
final class LogSink: Sendable {
    static let shared = LogSink()
    static let flushBytes = 64 * 1024
    static let flushInterval: Duration = .milliseconds(100)

    private let pending = PthreadMutex<[UInt8]>([])

    private init() {}

    /// Starts the timer thread and the exit hook; once, from `LogSetup`.
    func start() {
        LoopThread.detach { [self] in
            while true {
                LoopThread.sleep(for: Self.flushInterval)
                flush()
            }
        }
        atexit { LogSink.shared.flush() }
    }

    func write(_ line: UnsafeRawBufferPointer, immediately: Bool) {
        pending.withLock { pending in
            pending.append(contentsOf: line)
            if immediately || pending.count >= Self.flushBytes { Self.drain(&pending) }
        }
    }

    func flush() {
        pending.withLock { Self.drain(&$0) }
    }

    /// The corresponding C call is `write`. A failed write (stderr closed) drops the lines: there
    /// is nowhere else to tell.
    private static func drain(_ pending: inout [UInt8]) {
        pending.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { break }
                offset += written
            }
        }
        pending.removeAll(keepingCapacity: true)
    }
}
