/// Chooses whether a response body is sent gzip-coded (RFC 9110 §8.4.1.3), and codes it.
///
/// Only bodies worth it: bytes or a file of at least `minimumBytes` (a small JSON body gains
/// less than the CPU it costs), never a 206 or any response with Content-Range (a range is of
/// the identity bytes), never one that a handler coded already, never a handler's stream (SSE
/// must not wait in a compressor). Such bodies carry `Vary: Accept-Encoding` whether or not
/// this client takes gzip, so that a cache keeps the two apart.
struct ResponseCompression: Sendable {
    /// Bodies smaller than this go as they are.
    var minimumBytes: Int
    /// zlib level 1–9. 1 (nginx's default) costs least CPU per byte; zero pages, JSON lists and
    /// text shrink well at any level.
    var level: Int32
    /// Input bytes read and compressed per step of a file body.
    static let chunkBytes = 64 * 1024

    func apply(to response: inout Response, _ context: ResponseContext) {
        let length: Int
        switch response.body {
        case .bytes(let bytes): length = bytes.count
        case .file(let region): length = Int(region.length)
        case .empty, .stream: return
        }
        let status = response.status.code
        guard length >= minimumBytes, status != 206, status != 204, status != 304,
            response.headers["Content-Encoding"] == nil, response.headers["Content-Range"] == nil
        else { return }
        if let vary = response.headers["Vary"] {
            response.headers.set("Vary", vary + ", Accept-Encoding")
        } else {
            response.headers.add("Vary", "Accept-Encoding")
        }
        guard context.acceptsGzip else { return }
        if context.isHead {
            // The head says what a GET would get; the body is never made.
            response.body.release()
            response.body = .stream { _ in }
        } else {
            switch response.body {
            // A body already in memory is compressed here, on the loop, in one call: the largest
            // the API makes, a page of 1000 files, takes about a millisecond at level 1.
            case .bytes(let bytes):
                guard let coded = Gzip.compress(bytes, level: level) else { return }
                response.body = .bytes(coded)
            // A file is compressed off the loops in chunks, never read whole.
            case .file(let region): response.body = .stream(GzipStream.file(region, level: level))
            case .empty, .stream: return
            }
        }
        response.headers.add("Content-Encoding", "gzip")
    }
}
