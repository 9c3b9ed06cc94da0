import HTTP
import TestSupport
import Testing

/// Mutated requests: the parser must never trap, and must decide the same whether the bytes
/// come whole or one at a time.
@Suite(.timeLimit(.scaledMinutes(10)))
struct RequestParserFuzzTests {
    static let seeds = [
        "POST /a?b=c HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
        "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: v\r\n\r\n",
        "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
    ]

    @Test(arguments: seeds.indices)
    func mutatedRequestParsesTheSameWholeAndByteByByte(seedIndex: Int) {
        var random = SplitMix(seed: UInt64(seedIndex) + 1)
        let interesting: [UInt8] = [13, 10, 32, 9, 58, 59, 0, 0x7F, 0xFF, 48, 70, 102]
        for _ in 0..<400 {
            var bytes = Array(Self.seeds[seedIndex].utf8)
            for _ in 0..<(1 + random.next() % 3) {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[index] = interesting[Int(random.next() % UInt64(interesting.count))]
                case 1: bytes.remove(at: index)
                default: bytes.insert(interesting[Int(random.next() % UInt64(interesting.count))], at: index)
                }
            }
            let whole = parse(bytes, feeding: .whole).filter { $0 != .expectContinue }
            let split = parse(bytes, feeding: .byteByByte).filter { $0 != .expectContinue }
            #expect(whole == split, "\(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }
}
