/// libFuzzer target for the request parser (scripts/fuzz.sh builds it with swiftc
/// -sanitize=fuzzer,address beside Sources/HTTP's parser files). Each input is parsed three
/// ways: whole, one byte at a time, and in pieces as long as its first byte says, as a
/// connection feeds the parser whatever read(2) returned. The three must agree on every request
/// and refusal (a head step, and its `100-continue`, comes only when the body has not arrived
/// yet, so it may differ); the parser must never consume more than it was given, and never trap.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = ParserLimits(maxRequestLineBytes: 256, maxHeaderBytes: 1024, maxBodyBytes: 4096)
    let whole = steps(of: input, limits: limits) { _ in input.count }
    let byteByByte = steps(of: input, limits: limits) { _ in 1 }
    let split = max(1, Int(input.first ?? 1))
    let chunked = steps(of: input, limits: limits) { _ in split }
    guard whole == byteByByte, whole == chunked else {
        fatalError("the parser's steps depend on how the bytes were split: \(whole) \(byteByByte) \(chunked)")
    }
    return 0
}

/// The steps the parser returns when `input` arrives in pieces of `pieceSize(offset)` bytes,
/// with unconsumed bytes kept and handed back, as Connection does.
private func steps(of input: [UInt8], limits: ParserLimits, pieceSize: (Int) -> Int) -> [String] {
    var parser = RequestParser(limits: limits)
    var pending: [UInt8] = []
    var delivered = 0
    var seen: [String] = []
    while delivered < input.count || !pending.isEmpty {
        if delivered < input.count {
            let end = min(input.count, delivered + pieceSize(delivered))
            pending += input[delivered..<end]
            delivered = end
        }
        while true {
            let (step, consumed) = pending.withUnsafeBytes { parser.parse($0) }
            precondition(consumed <= pending.count, "consumed more than it was given")
            pending.removeFirst(consumed)
            switch step {
            case .needMoreBytes: break
            case .head: continue
            case .request(let parsed):
                seen.append(
                    "\(parsed.request.method) \(parsed.request.path) \(parsed.request.body.count) \(parsed.keepAlive)"
                )
                continue
            case .reject(let error):
                seen.append("reject \(error.status.code)")
                return seen
            }
            break
        }
        if delivered == input.count { break }
    }
    return seen
}
