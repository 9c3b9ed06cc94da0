/// The producer of a gzip-coded chunked body from a file: it reads a bounded piece, compresses
/// it and writes what zlib gave, so memory stays bounded however large the file (1 GiB costs a
/// 64 KiB read buffer and zlib's state). It runs off the loops.
enum GzipStream {
    /// Coded output is written once this much has gathered: zero pages compress ~1000:1, and a
    /// chunk per 64 KiB read would be a few dozen bytes each.
    static let writeBytes = 16 * 1024

    /// Reads the region with pread(2) and releases it when done, whether the client stayed or
    /// not. A file that ends early ends the gzip stream without its trailer: the client's
    /// decoder then reports the body as cut short, which it is.
    static func file(_ region: FileRegion, level: Int32) -> StreamProducer {
        { writer in
            defer { region.release() }
            guard let deflater = Deflater(level: level) else { return }
            var coded = Coded(deflater: deflater, writer: writer)
            var buffer = [UInt8](repeating: 0, count: ResponseCompression.chunkBytes)
            var (offset, remaining) = (region.offset, region.length)
            while remaining > 0 {
                let want = Int(min(remaining, Int64(buffer.count)))
                let count = buffer.withUnsafeMutableBytes { raw in
                    // SAFETY: want ≤ buffer.count.
                    try? region.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[..<want]), at: offset)
                }
                guard let count, count > 0 else { return }
                let more = await coded.add(buffer[..<count])
                guard more else { return }
                offset += Int64(count)
                remaining -= Int64(count)
            }
            await coded.finish()
        }
    }

    /// A deflater and the output gathered for the next write.
    private struct Coded {
        let deflater: Deflater
        let writer: ResponseWriter
        var pending: [UInt8] = []

        /// Compresses `input`; writes once enough has gathered. False once the client has gone.
        mutating func add(_ input: ArraySlice<UInt8>) async -> Bool {
            input.withUnsafeBytes { deflater.deflate($0, finish: false, into: &pending) }
            guard pending.count >= GzipStream.writeBytes else { return true }
            defer { pending = [] }
            return await writer.write(pending)
        }

        mutating func finish() async {
            deflater.deflate(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &pending)
            _ = await writer.write(pending)
        }
    }
}
