import Glibc
import SystemPackage

/// A connection's bytes waiting to be written, in order. Heads and small bodies are copied
/// into `staging`, whose capacity is kept between requests, so the keep-alive fast path
/// allocates nothing and writes once; big bodies and files wait as their own segments,
/// uncopied. `staging` always comes after every segment.
struct OutputQueue {
    enum Segment {
        case bytes([UInt8])
        case file(FileRegion)
    }

    /// Bodies up to this size are copied into `staging` (a memcpy is cheaper than a segment).
    static let copyLimit = 16 * 1024
    /// At most this many iovecs per writev; enough to put a head and its body in one call.
    static let maxVectors = 8

    private(set) var staging: [UInt8] = []
    /// Bytes of `staging` already written; non-zero only when no segment is left.
    var stagingSent = 0
    var segments: [Segment] = []
    /// Bytes of `segments[0]` already written (for a file: sent from its offset).
    var firstSent = 0
    /// Bytes queued and not yet written.
    var pendingBytes = 0
    /// Descriptors to send with the byte that follows `ahead` more bytes, in order (Unix
    /// connections only). Rare: nearly always empty.
    var passes: [DescriptorPass] = []

    struct DescriptorPass {
        /// Bytes still to be written before the one the descriptors go with.
        var ahead: Int
        let descriptors: PassedDescriptors
    }

    var isEmpty: Bool { pendingBytes == 0 }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        staging.append(contentsOf: bytes)
        addPending(bytes.count)
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(body: [UInt8]) {
        if body.count <= Self.copyLimit {
            body.withUnsafeBytes { append($0) }
        } else {
            sealStaging()
            segments.append(.bytes(body))
            addPending(body.count)
        }
    }

    /// Sends `descriptors` with the next byte appended: the first of a response's head.
    mutating func pass(_ descriptors: PassedDescriptors) {
        passes.append(DescriptorPass(ahead: pendingBytes, descriptors: descriptors))
    }

    mutating func append(file: FileRegion) {
        // An empty region would never be flushed, hence never released.
        guard file.length > 0 else { return file.release() }
        sealStaging()
        segments.append(.file(file))
        addPending(Int(file.length))
    }

    /// Counts queued bytes, saturating: a file may be as long as Int64.max (ftruncate accepts
    /// that size, all of it a hole), and a head before it must not overflow the count. Nobody
    /// drains 8 EiB, so a count stuck at Int.max is exact in practice.
    private mutating func addPending(_ count: Int) {
        let (sum, overflow) = pendingBytes.addingReportingOverflow(count)
        pendingBytes = overflow ? .max : sum
    }

    /// Releases every file still queued (each exactly once) and forgets the rest; for a
    /// connection that is closing.
    mutating func discard() {
        for case .file(let region) in segments { region.release() }
        for pass in passes { pass.descriptors.close() }
        passes = []
        segments = []
        staging = []
        (stagingSent, firstSent, pendingBytes) = (0, 0, 0)
    }

    /// Moves the unsent part of `staging` into a segment, so a segment can follow it.
    private mutating func sealStaging() {
        guard staging.count > stagingSent else { return }
        segments.append(.bytes(Array(staging[stagingSent...])))
        staging.removeAll(keepingCapacity: true)
        stagingSent = 0
    }

    /// Writes as much as the socket takes; true when everything is written. A file that ends
    /// before its promised length is an error: the framing would be wrong, so the connection
    /// must close.
    mutating func flush(to socket: borrowing StreamSocket) throws(Errno) -> Bool {
        while pendingBytes > 0 {
            let result: WriteResult
            if case .file(let region)? = segments.first {
                result = try sendFile(region, to: socket)
            } else {
                result = try writeBytes(to: socket)
            }
            guard case .wrote(let count) = result else { return false }
            if count == 0 { throw .ioError }
        }
        if staging.capacity > 4 * Self.copyLimit {
            staging = []
        } else {
            staging.removeAll(keepingCapacity: true)
        }
        stagingSent = 0
        return true
    }
}
