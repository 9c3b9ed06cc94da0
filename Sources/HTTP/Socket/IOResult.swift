/// What a read on a non-blocking socket gave. EAGAIN and EOF are answers, not errors
/// (style.md §3): the caller waits for readiness or closes.
enum ReadResult: Equatable {
    case bytes(Int)
    case wouldBlock
    case endOfStream
}

/// What a write on a non-blocking socket did; `wouldBlock` means the kernel buffer is full.
enum WriteResult: Equatable {
    case wrote(Int)
    case wouldBlock
}
