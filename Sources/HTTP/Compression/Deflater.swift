import CZlib

/// One gzip stream being written (zlib's deflate with a gzip wrapper, RFC 1952). Not Sendable:
/// a response's producer makes one and uses it alone.
///
/// The z_stream lives at a fixed heap address: zlib keeps a pointer back to it and refuses a
/// stream that has moved.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>

    /// A stream at zlib `level` (1 fastest … 9 smallest); nil if zlib has no memory for one.
    /// The corresponding C call is `deflateInit2` (through the shim).
    init?(level: Int32) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard gmemd_deflate_init_gzip(stream, level) == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `input` and appends what zlib gives out to `output`; with `finish`, also the
    /// end of the stream (the gzip trailer). The corresponding C call is `deflate`.
    func deflate(_ input: UnsafeRawBufferPointer, finish: Bool, into output: inout [UInt8]) {
        // zlib's next_in is not const, but deflate never writes through it.
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32 * 1024) { scratch in
            while true {
                stream.pointee.next_out = scratch.baseAddress
                stream.pointee.avail_out = uInt(scratch.count)
                let result = CZlib.deflate(stream, finish ? Z_FINISH : Z_NO_FLUSH)
                let produced = scratch.count - Int(stream.pointee.avail_out)
                // SAFETY: zlib wrote `produced` ≤ scratch.count bytes at the start of scratch.
                output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<produced]))
                // A full scratch may mean more output is waiting; otherwise zlib took all the
                // input (Z_NO_FLUSH) or wrote the trailer (Z_STREAM_END). Z_STREAM_ERROR cannot
                // happen on a stream that init accepted and nobody else touches.
                if stream.pointee.avail_out == 0 { continue }
                if !finish || result == Z_STREAM_END || result == Z_STREAM_ERROR { break }
            }
        }
        stream.pointee.next_in = nil
    }
}
