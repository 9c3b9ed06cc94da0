import CZlib

/// Whole-buffer gzip for bodies already in memory.
enum Gzip {
    /// `bytes` as one gzip stream at zlib `level`; nil only if zlib has no memory.
    static func compress(_ bytes: [UInt8], level: Int32) -> [UInt8]? {
        guard let deflater = Deflater(level: level) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 4 + 64)
        bytes.withUnsafeBytes { deflater.deflate($0, finish: true, into: &output) }
        return output
    }

    /// Undoes a request body's gzip coding. More than `limit` bytes of output is 413, however
    /// small the input (a gzip bomb: zero pages shrink a thousandfold); a stream that is broken,
    /// cut short or followed by other bytes is 400. The output is added to `reservation` as it
    /// grows, beside the input it already holds: output the body budget has no room for is 503.
    /// The corresponding C calls are `inflateInit2` (through the shim), `inflate`, `inflateEnd`.
    static func inflate(
        _ input: [UInt8], limit: Int, reservation: BodyReservation? = nil
    ) throws(RequestError) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deallocate() }
        guard gmemd_inflate_init_gzip(stream) == Z_OK else {
            throw .badRequest("no memory to decode the gzip body")
        }
        defer { inflateEnd(stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(input.count * 4, 4096)))
        let result = input.withUnsafeBytes { raw in
            stream.pointee.next_in = UnsafeMutablePointer(
                mutating: raw.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.pointee.avail_in = uInt(raw.count)
            return drain(stream, into: &output, limit: limit) {
                reservation?.resize(to: input.count + $0) ?? true
            }
        }
        switch result {
        case .tooLarge: throw .contentTooLarge
        case .overBudget: throw .bodyBudgetExhausted
        case .broken: throw .badRequest("the body is not a valid gzip stream")
        case .ended where stream.pointee.avail_in != 0:
            throw .badRequest("bytes after the end of the gzip stream")
        case .ended: return output
        }
    }

    private enum InflateEnd {
        case ended, tooLarge, overBudget, broken
    }

    /// Runs inflate until the stream ends, the output would pass `limit` or `reserve` refuses
    /// room for it, or the input fails.
    private static func drain(
        _ stream: UnsafeMutablePointer<z_stream>, into output: inout [UInt8], limit: Int,
        reserve: (_ outputBytes: Int) -> Bool
    )
        -> InflateEnd
    {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 * 1024) { scratch in
            while true {
                stream.pointee.next_out = scratch.baseAddress
                stream.pointee.avail_out = uInt(scratch.count)
                let result = CZlib.inflate(stream, Z_NO_FLUSH)
                let produced = scratch.count - Int(stream.pointee.avail_out)
                if output.count + produced > limit { return .tooLarge }
                guard reserve(output.count + produced) else { return .overBudget }
                // SAFETY: zlib wrote `produced` ≤ scratch.count bytes at the start of scratch.
                output.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<produced]))
                switch result {
                case Z_STREAM_END: return .ended
                case Z_OK: continue
                // Z_BUF_ERROR with output room left means the input ran out mid-stream.
                case Z_BUF_ERROR where stream.pointee.avail_out == 0: continue
                default: return .broken
                }
            }
        }
    }
}
